import { Duration, Size } from 'cdk8s';
import { ImageBuilder } from './image-builder';
import { PreviousManifest } from './previous-manifest';
import { ProxyOptions } from './proxy-options';
import { RollbackTarget } from './rollback-target';

// The serving image's and the proxy's options are in files of their own (image-builder.ts and
// build-steps.ts need them, and this file needs ImageBuilder); exported from here as before.
export * from './mirror-image-options';
export * from './proxy-options';

/** How long a build Job may run (`activeDeadline`'s default); the rollout and the smoke test wait for it. */
export const DEFAULT_BUILD_DEADLINE = Duration.hours(6);

/**
 * How the build Job runs.
 */
export interface BuildOptions {
  /**
   * Image of the mirror step. Without aptly, gnupg, curl, xz, bzip2, dose-debcheck and Node.js
   * (Debian packages `aptly gnupg curl xz-utils bzip2 dose-distcheck nodejs`) it installs them with apt-get
   * at start (which needs root and a Debian package source).
   * @default 'docker.io/library/debian:bookworm-slim'
   */
  readonly mirrorImage?: string;
  /**
   * The mirror image already has those tools (aptly, gnupg, curl, xz, bzip2, dose-debcheck, Node.js >= 18): run the mirror step as a non-root
   * user with a read-only root filesystem instead of installing them as root.
   * @default false
   */
  readonly mirrorImageHasTools?: boolean;
  /**
   * The builder image (`images/builder/Dockerfile`, built once and pushed to your registry): every
   * tool of the mirror, check and image steps at pinned versions, so a build installs nothing at
   * run time and every step runs as a non-root user with a read-only root filesystem. Sets
   * `mirrorImage` (with `mirrorImageHasTools`) and the image of `ImageBuilder.skopeo()` (with
   * `imageHasTools`) at once: give neither of those with it. With `ImageBuilder.crane()` or
   * `kaniko()` only the mirror step uses it.
   * @example 'registry.example.com/mini-mirror-builder:bookworm-1'
   * @default - the stock Debian image; the tools are installed with apt-get at every build, as root
   */
  readonly builderImage?: string;
  /**
   * Estimate of the published mirror's size (packages and indexes). The workspace holds the tree
   * about twice (the tree, then its compressed image layer) plus 1 GiB for aptly's databases and
   * the base image: the workspace emptyDir's `sizeLimit` and the steps' `ephemeral-storage`
   * requests are 2 × this + 1Gi, so the scheduler picks a node with that much disk and the build
   * cannot fill it. The image step fails early, with a message naming this option, when the
   * workspace has too little room for the layer.
   * @default Size.gibibytes(10) (a workspace of 21Gi)
   */
  readonly mirrorSizeEstimate?: Size;
  /**
   * An existing PersistentVolumeClaim to use as the workspace instead of an emptyDir on the
   * node's disk, for mirrors larger than a node's ephemeral storage. ReadWriteOnce is enough; one
   * build at a time (a build clears what an earlier one left in it). Size it as 2 × the mirror +
   * 1Gi; `mirrorSizeEstimate` does not apply.
   * @default - an emptyDir sized from `mirrorSizeEstimate`
   */
  readonly workspaceVolumeClaim?: string;
  /**
   * How the serving image is built and pushed.
   * @default ImageBuilder.skopeo()
   */
  readonly imageBuilder?: ImageBuilder;
  /**
   * Sources built in parallel (each has its own aptly rootDir).
   * @default 4
   */
  readonly concurrency?: number;
  /**
   * Download attempts per file and `mirror update` attempts per component.
   * @default 3
   */
  readonly retries?: number;
  /**
   * A download slower than 1 KiB/s for this long is stalled: aborted and retried. Every download
   * is also bounded overall (connect, one stall timeout, then its size at 1 KiB/s). From 10
   * seconds to 1 hour.
   * @default Duration.minutes(2)
   */
  readonly stallTimeout?: Duration;
  /**
   * Pod retries of the Job (`backoffLimit`).
   * @default 1
   */
  readonly backoffLimit?: number;
  /**
   * The Job is stopped after this long (`activeDeadlineSeconds`).
   * @default Duration.hours(6)
   */
  readonly activeDeadline?: Duration;
  /**
   * A finished Job is deleted after this long (`ttlSecondsAfterFinished`).
   * @default Duration.days(7)
   */
  readonly ttlAfterFinished?: Duration;
  /**
   * Proxy for reaching upstreams (and the registry).
   * @default - no proxy
   */
  readonly proxy?: ProxyOptions;
  /**
   * Memory request (and limit) of the mirror step (aptly holds package indices in memory). A
   * Kubernetes quantity.
   * @default '1Gi'
   */
  readonly memory?: string;
  /**
   * CPU request of the mirror step. A Kubernetes quantity.
   * @default '500m'
   */
  readonly cpu?: string;
  /**
   * Node selector for the build pod.
   * @default - none
   */
  readonly nodeSelector?: { [key: string]: string };
  /**
   * Where the build reads the previous build's manifest.json, to refuse an upstream that went
   * back in time (an older Release `Date`, a package version that went down) unless the source
   * sets `allowDowngrade`.
   * @default PreviousManifest.fromServedMirror() (the manifest the mirror's own Service serves)
   */
  readonly previousManifest?: PreviousManifest;
  /**
   * Roll back: serve an earlier build's packages again instead of mirroring. A `rollback` step
   * fetches that build's serving image (with skopeo and umoci, as the image step reaches the
   * registry) and the build publishes its tree anew, dated one second after the build served now
   * (read from `previousManifest`, which must not be `none()`) and signed anew, so clients that hold
   * the newer lists update to it. The rollback has its own build identity and image tag. Needs
   * `ImageBuilder.skopeo()`. To build from upstream again, remove it and bump `refreshEpoch`
   * (else the identity can be an earlier build's, whose older Date updated clients ignore).
   * @example RollbackTarget.image('registry.example.com/mini-mirror:0123456789abcdef0123')
   * @default - none: an ordinary build from upstream
   */
  readonly rollbackTo?: RollbackTarget;
}
