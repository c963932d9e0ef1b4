import * as fs from 'fs';
import * as path from 'path';
import {
  ArchiveSpec, buildWorld, BuiltKey, BuiltWorld, DistsArchiveSpec, FlatArchiveSpec, keyNames, PackageSpec, WorldSpec,
} from './archive-builder';
import { FileServerHandle, FileServerOptions, startFileServer } from './archive-server';

/** A signing key as served: URLs of its key files and their fingerprints. */
export interface ServedKey {
  readonly name: string;
  /** Fingerprint of the key (40 upper-case hex digits). */
  readonly fingerprint: string;
  /** <base>/keys/<name>.asc: armored public key. */
  readonly url: string;
  /** <base>/keys/<name>.gpg: binary public key (`gpg --export`, no armor). */
  readonly binaryUrl: string;
  /** <base>/keys/<name>-multi.gpg: binary keyring: an unrelated key, this key, more unrelated keys. */
  readonly multiKeyUrl: string;
  /** <base>/keys/<name>-multi.asc: the same keys armored (one block). */
  readonly multiKeyArmoredUrl: string;
  /** Fingerprints in the multi-key files, in the binary file's order (this key is the second). */
  readonly multiKeyFingerprints: readonly string[];
  /** The armored public key. */
  readonly armored: string;
  /** Local copies of the key files (e.g. for Signed-By or `aptly -keyring`). */
  readonly files: { readonly armored: string; readonly binary: string; readonly multiBinary: string; readonly multiArmored: string };
}

/** One archive of a started world. */
export interface ServedArchive {
  readonly kind: 'dists' | 'flat';
  /** The archive's path below the server root, e.g. 'debian-security'. */
  readonly path: string;
  /** Archive root, e.g. http://127.0.0.1:1234/debian-security (dists/ and pool/ below it; for flat: the repository's base). */
  readonly url: string;
  /** dists: the distribution names (dists/<name>); flat: [directory], e.g. ['./']. */
  readonly distributions: readonly string[];
  /** The key that signs (the first distribution of) this archive. */
  readonly key: ServedKey;
  /** Shorthand for key.url (armored). */
  readonly keyUrl: string;
  /** Shorthand for key.fingerprint. */
  readonly fingerprint: string;
  /** The built archive on disk (to read its Packages files, e.g. for dose-debcheck). */
  readonly localDir: string;
}

export interface FakeWorldOptions extends FileServerOptions {
  /** Serve other bytes at a key path, e.g. { '/keys/archive.asc': impostorArmoredKey }. */
  readonly keyOverrides?: Readonly<Record<string, string | Buffer>>;
}

export interface FakeWorldHandle extends FileServerHandle {
  /** Archives by path, e.g. archives.debian, archives['debian-security']. */
  readonly archives: Readonly<Record<string, ServedArchive>>;
  /** Signing keys by name ('archive' unless the spec names others). */
  readonly keys: Readonly<Record<string, ServedKey>>;
  /** <base>/keys/all.gpg: binary keyring of every signing key plus the unrelated keys. */
  readonly allKeysUrl: string;
  /** <base>/keys/all.asc */
  readonly allKeysArmoredUrl: string;
  readonly allFingerprints: readonly string[];
  /** Fingerprints of the unrelated keys (in multi-key files, signing nothing). */
  readonly unrelatedFingerprints: readonly string[];
  readonly world: BuiltWorld;
}

/**
 * Serves the archives of a WorldSpec (built and cached by archive-builder.ts) from one HTTP server
 * on 127.0.0.1: each archive at /<path>/, key files at /keys/. Run clients as async child processes.
 */
export class FakeWorld {
  public static async start(spec: WorldSpec, options: FakeWorldOptions = {}): Promise<FakeWorldHandle> {
    const world = await buildWorld(spec);
    const server = await startFileServer(world.publicDir, {
      ...options,
      files: { ...options.files, ...options.keyOverrides },
    });
    const base = server.url;
    const keys: Record<string, ServedKey> = {};
    for (const name of keyNames(spec)) keys[name] = served(world, base, world.keys[name]);
    const archives: Record<string, ServedArchive> = {};
    for (const a of spec.archives) {
      const keyName = a.kind === 'flat' ? a.key : a.distributions[0]?.key;
      const key = keys[keyName ?? 'archive'];
      archives[a.path] = {
        kind: a.kind,
        path: a.path,
        url: `${base}/${a.path}`,
        distributions: a.kind === 'flat' ? [a.directory ?? './'] : a.distributions.map((d) => d.name),
        key,
        keyUrl: key.url,
        fingerprint: key.fingerprint,
        localDir: path.join(world.publicDir, a.path),
      };
    }
    return {
      url: server.url,
      requests: server.requests,
      stalled: server.stalled,
      bytesSent: server.bytesSent,
      get maxInFlight() {
        return server.maxInFlight;
      },
      stop: () => server.stop(),
      archives,
      keys,
      allKeysUrl: `${base}/${world.allKeysBinaryPath}`,
      allKeysArmoredUrl: `${base}/${world.allKeysArmoredPath}`,
      allFingerprints: world.allFingerprints,
      unrelatedFingerprints: world.unrelatedFingerprints,
      world,
    };
  }
}

function served(world: BuiltWorld, base: string, key: BuiltKey): ServedKey {
  const local = (p: string) => path.join(world.publicDir, p);
  return {
    name: key.name,
    fingerprint: key.fingerprint,
    url: `${base}/${key.armoredPath}`,
    binaryUrl: `${base}/${key.binaryPath}`,
    multiKeyUrl: `${base}/${key.multiBinaryPath}`,
    multiKeyArmoredUrl: `${base}/${key.multiArmoredPath}`,
    multiKeyFingerprints: key.multiFingerprints,
    armored: fs.readFileSync(local(key.armoredPath), 'utf8'),
    files: {
      armored: local(key.armoredPath),
      binary: local(key.binaryPath),
      multiBinary: local(key.multiBinaryPath),
      multiArmored: local(key.multiArmoredPath),
    },
  };
}

const both = (pkg: Omit<PackageSpec, 'architecture'>): PackageSpec[] => [
  { ...pkg, architecture: 'amd64' },
  { ...pkg, architecture: 'arm64' },
];

/**
 * The Debian main archive (at /debian): `bookworm` (Architectures: all amd64 arm64) and the
 * `bookworm-updates` pocket, whose packages depend on bookworm-only packages.
 *  - libbase1 -> libdeep1 (amd64, arm64; bookworm only)     transitive base dependency
 *  - base-pre (Pre-Depends target), base-mta (Provides mail-transport-agent)
 *  - py-tool (all) Depends py-runtime (>= 1.0) (amd64, arm64) -> libbase1
 *  - bookworm-updates: upd-tool (amd64, arm64) Pre-Depends base-pre, Depends libbase1 (>= 1.0),
 *    mail-transport-agent; py-tool 1.1 (all) Depends py-runtime (>= 1.0)
 *  - contrib: contrib-base (all) Depends libbase1 (main)
 */
export const DEBIAN_MAIN_ARCHIVE: DistsArchiveSpec = {
  kind: 'dists',
  path: 'debian',
  distributions: [
    {
      name: 'bookworm',
      origin: 'Debian',
      label: 'Debian',
      suite: 'stable',
      version: '12.5',
      codename: 'bookworm',
      description: 'Debian 12.5 Released 10 February 2024',
      architectures: ['all', 'amd64', 'arm64'],
      components: {
        main: [
          ...both({ name: 'libbase1', version: '1.0', multiArch: 'same', depends: 'libdeep1', section: 'libs' }),
          ...both({ name: 'libdeep1', version: '1.0', multiArch: 'same', section: 'libs' }),
          ...both({ name: 'base-pre', version: '1.0', priority: 'required' }),
          ...both({ name: 'base-mta', version: '1.0', provides: 'mail-transport-agent' }),
          ...both({ name: 'py-runtime', version: '1.0', depends: 'libbase1' }),
          { name: 'py-tool', version: '1.0', depends: 'py-runtime (>= 1.0)' },
          { name: 'base-decoy', version: '1.0' },
        ],
        contrib: [
          { name: 'contrib-base', version: '1.0', depends: 'libbase1' },
        ],
      },
    },
    {
      name: 'bookworm-updates',
      origin: 'Debian',
      label: 'Debian',
      suite: 'stable-updates',
      codename: 'bookworm-updates',
      description: 'Debian 12 - Updates',
      architectures: ['all', 'amd64', 'arm64'],
      components: {
        main: [
          ...both({ name: 'upd-tool', version: '1.1', preDepends: 'base-pre', depends: 'libbase1 (>= 1.0), mail-transport-agent' }),
          { name: 'py-tool', version: '1.1', depends: 'py-runtime (>= 1.0)' },
        ],
        contrib: [],
      },
    },
  ],
};

/**
 * The security archive (at /debian-security, signed by the 'security' key), laid out as Debian
 * serves it: distribution `bookworm-security`, Release `Components: updates/main updates/contrib`,
 * indexes at dists/bookworm-security/main/binary-<arch>/ (no updates/ in the path).
 *  - sec-tool (amd64, arm64) Depends libbase1 (>= 1.0) (bookworm only)
 *  - libbase1 1.0+deb12u1 (amd64, arm64) Depends libdeep1 (bookworm only)
 *  - contrib: sec-contrib (all) Depends sec-tool
 */
export const DEBIAN_SECURITY_ARCHIVE: DistsArchiveSpec = {
  kind: 'dists',
  path: 'debian-security',
  distributions: [{
    name: 'bookworm-security',
    origin: 'Debian',
    label: 'Debian-Security',
    suite: 'stable-security',
    version: '12',
    codename: 'bookworm-security',
    description: 'Debian 12 - Security Updates',
    key: 'security',
    architectures: ['all', 'amd64', 'arm64'],
    releaseComponentPrefix: 'updates/',
    components: {
      main: [
        ...both({ name: 'sec-tool', version: '1.0+deb12u1', depends: 'libbase1 (>= 1.0)' }),
        ...both({ name: 'libbase1', version: '1.0+deb12u1', multiArch: 'same', depends: 'libdeep1', section: 'libs' }),
      ],
      contrib: [
        { name: 'sec-contrib', version: '1.0+deb12u1', depends: 'sec-tool' },
      ],
    },
  }],
};

/** bookworm + bookworm-updates at /debian, bookworm-security at /debian-security (keys 'archive' and 'security'). */
export const DEBIAN_LIKE_WORLD: WorldSpec = {
  archives: [DEBIAN_MAIN_ARCHIVE, DEBIAN_SECURITY_ARCHIVE],
};

/**
 * A vendor archive of arch:all packages only, distribution `stable`, component `main`:
 * vendor-cli (all) Depends vendor-lib (all), py-runtime (>= 1.0) (from bookworm).
 * architectures: Release `Architectures:`, e.g. ['all'] or ['all', 'amd64']. @default ['all']
 */
export function archAllOnlyArchive(options: { path?: string; architectures?: readonly string[] } = {}): DistsArchiveSpec {
  return {
    kind: 'dists',
    path: options.path ?? 'vendor-all',
    distributions: [{
      name: 'stable',
      origin: 'Vendor',
      label: 'Vendor All',
      suite: 'stable',
      codename: 'stable',
      architectures: options.architectures ?? ['all'],
      components: {
        main: [
          { name: 'vendor-cli', version: '2.0', depends: 'vendor-lib, py-runtime (>= 1.0)' },
          { name: 'vendor-lib', version: '2.0' },
        ],
      },
    }],
  };
}

/**
 * A flat repository (apt-ftparchive; `deb URL ./` or `deb URL <directory>`), .debs in per-arch
 * folders like the openSUSE Build Service: flat-tool (amd64, arm64) Depends flat-data, libbase1
 * (from bookworm); flat-data (all).
 */
export function flatArchive(options: Partial<Omit<FlatArchiveSpec, 'kind'>> = {}): FlatArchiveSpec {
  return {
    kind: 'flat',
    path: 'flat',
    origin: 'obs://build.example/home:vendor',
    label: 'home:vendor',
    packages: [
      ...both({ name: 'flat-tool', version: '3.1-1', depends: 'flat-data, libbase1' }),
      { name: 'flat-data', version: '3.1-1' },
    ],
    ...options,
  };
}

/** The paths below an archive's localDir of a distribution's Packages files (uncompressed). */
export function packagesFiles(archive: ServedArchive, distribution: string, architecture: string): string[] {
  if (archive.kind === 'flat') return [path.join(archive.localDir, distribution, 'Packages')];
  const dist = path.join(archive.localDir, 'dists', distribution);
  return fs.readdirSync(dist, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => path.join(dist, e.name, `binary-${architecture}`, 'Packages'))
    .filter((f) => fs.existsSync(f));
}

export type { ArchiveSpec, WorldSpec };
