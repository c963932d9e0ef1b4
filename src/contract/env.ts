/**
 * The environment variables of the build pod's steps (docs/build-contract.md). The Job and
 * `mini-mirror build` set them; the runner and the shell assets read them.
 */
export const BUILD_ENV = {
  /** Overrides of the mount paths (BUILD_PATHS): the benchmark and `mini-mirror build`. */
  sourcesDir: 'MINI_MIRROR_SOURCES_DIR',
  buildDir: 'MINI_MIRROR_BUILD_DIR',
  signingDir: 'MINI_MIRROR_SIGNING_DIR',
  workspace: 'MINI_MIRROR_WORKSPACE',
  /** Where the signing GNUPGHOME is created (GNUPG_DIR in the Job). */
  gnupgDir: 'MINI_MIRROR_GNUPG_DIR',
  /** Replaces build.json's previousManifest: URL, file or empty for none. */
  previousManifest: 'MINI_MIRROR_PREVIOUS_MANIFEST',
  /** Replaces build.json's rollbackFrom: an earlier build's tree to serve again, or empty for none. */
  rollbackFrom: 'MINI_MIRROR_ROLLBACK_FROM',
  /** The Job's `rollback` step: the earlier build's serving image to fetch (BuildOptions.rollbackTo). */
  rollbackImage: 'MINI_MIRROR_ROLLBACK_IMAGE',
  /** The workspace emptyDir's sizeLimit, which df does not see. */
  workspaceLimitMib: 'MINI_MIRROR_WORKSPACE_LIMIT_MIB',
  keepWork: 'MINI_MIRROR_KEEP_WORK',
  timestamps: 'MINI_MIRROR_TIMESTAMPS',
  buildIdentity: 'MINI_MIRROR_BUILD_IDENTITY',
  /** The image step's settings. */
  image: 'MINI_MIRROR_IMAGE',
  baseImage: 'MINI_MIRROR_BASE_IMAGE',
  insecureRegistry: 'MINI_MIRROR_INSECURE_REGISTRY',
  registryCaDir: 'MINI_MIRROR_REGISTRY_CA_DIR',
  checkOnly: 'MINI_MIRROR_CHECK_ONLY',
  ociLayout: 'MINI_MIRROR_OCI_LAYOUT',
  sourceDateEpoch: 'MINI_MIRROR_SOURCE_DATE_EPOCH',
  tagSettleSeconds: 'MINI_MIRROR_TAG_SETTLE_SECONDS',
} as const;
