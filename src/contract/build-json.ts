// build.json (docs/build-contract.md): the construct writes it (src/build-job/build-config.ts), the
// runner reads it (src/runner/build-json-reader.ts). Both take its shape and defaults from here only.

/** Version of build.json that this package writes and its runner reads. */
export const BUILD_CONFIG_VERSION = 2;

/** The key of build.json in the build ConfigMap (mounted at BUILD_PATHS.build). */
export const BUILD_JSON_FILE = 'build.json';

/** What the runner assumes for a field that build.json leaves out. */
export const BUILD_JSON_DEFAULTS = {
  /** The signing Secret's key of the armored private key (ReleaseSigningSecretOptions.privateKeyKey). */
  privateKeyFile: 'signing-key.asc',
  /** Seconds without progress before a download is retried (MiniMirror's stallTimeout default). */
  stallTimeoutSeconds: 120,
  /** Tries per download. */
  retries: 3,
  concurrency: 1,
} as const;

export interface SourceConfig {
  readonly prefix: string;
  readonly name: string;
  readonly url: string;
  /** null when `keyFile` gives the key. */
  readonly keyUrl: string | null;
  /** The key's file name in the source's directory of the sources mount, instead of keyUrl. */
  readonly keyFile?: string;
  readonly distribution: string;
  /** Empty for a flat repository. */
  readonly components: string[];
  readonly publishDistribution: string;
  readonly world: string;
  /** null: every architecture the upstream Release lists. */
  readonly architectures: string[] | null;
  readonly verify: boolean;
  readonly fingerprints: string[];
  readonly dependencyGate: boolean;
  /** Follow Recommends (aptly's dependencyFollowRecommends and the world closure); absent: true, as apt installs them. */
  readonly recommends: boolean;
  /** Queries that alone match a large part of upstream are accepted (else the build fails on them). */
  readonly allowBroadQueries: boolean;
  /** A Release whose Suite and Codename both differ from `distribution` only warns. */
  readonly allowDistributionMismatch: boolean;
  readonly origin: string | null;
  readonly label: string | null;
  readonly suite: string | null;
  /** Go on (with a warning) when upstream goes back in time against the previous build. */
  readonly allowDowngrade: boolean;
}

export type SigningConfig =
  | { readonly mode: 'key'; readonly privateKeyFile: string; readonly passphraseFile: string | null; readonly fingerprint?: string }
  | { readonly mode: 'unsigned' };

/** build.json as the runner sees it: defaults filled in. */
export interface BuildConfig {
  readonly version: typeof BUILD_CONFIG_VERSION;
  readonly contentHash: string | null;
  /** What this build is: its inputs plus the refresh epoch (docs/build-contract.md); else the content hash. */
  readonly buildIdentity: string | null;
  /** The refresh epoch the user set, if any. */
  readonly refreshEpoch: string | null;
  readonly concurrency: number;
  readonly retries: number;
  readonly stallTimeoutSeconds: number;
  /** Published Releases carry `Valid-Until: <Date + this>`; null: no Valid-Until. */
  readonly validForSeconds: number | null;
  readonly signing: SigningConfig;
  readonly sources: SourceConfig[];
  /** Where the previous build's manifest.json is read (URL or file); null: none, no downgrade check. */
  readonly previousManifest: string | null;
  /** An earlier build's tree (its public/) to serve again, re-dated and re-signed; null: an ordinary build. */
  readonly rollbackFrom: string | null;
}

/** Source settings that the writer leaves out when they hold the reader's default (a line per source stays short). */
type SourceDefaults = 'recommends' | 'allowBroadQueries' | 'allowDowngrade' | 'allowDistributionMismatch';

/** A source as the construct writes it. */
export type SourceJson = Omit<SourceConfig, SourceDefaults> & Partial<Pick<SourceConfig, SourceDefaults>>;

/** build.json as the construct writes it; `rollbackFrom` only for a rollback (BuildOptions.rollbackTo). */
export type BuildJson = Omit<BuildConfig, 'sources' | 'rollbackFrom'> & { readonly sources: SourceJson[]; readonly rollbackFrom?: string | null };
