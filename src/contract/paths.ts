/** Mount paths inside the build pod (docs/build-contract.md): the Job mounts them, the runner reads them. */
export const BUILD_PATHS = {
  sources: '/etc/mini-mirror/sources',
  build: '/etc/mini-mirror/build',
  signing: '/etc/mini-mirror/signing',
  push: '/etc/mini-mirror/push',
  registryCa: '/etc/mini-mirror/registry-ca',
  workspace: '/workspace',
};

/** Where the tree lands in the serving image (the image step writes it, nginx serves it). */
export const SERVING_ROOT = '/srv/mirror';

/** The memory-backed emptyDir where the mirror step creates the signing GNUPGHOME. */
export const GNUPG_DIR = '/run/mini-mirror/gnupg';

/** Where the Job's `rollback` step puts the earlier build's tree (build.json's `rollbackFrom`). */
export const ROLLBACK_FROM = '/workspace/rollback-from';
