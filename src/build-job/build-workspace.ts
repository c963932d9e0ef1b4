import { Size, SizeRoundingBehavior } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { isSecretName } from '../util/k8s-names';

/** The default estimate of the published mirror's size. */
export const DEFAULT_MIRROR_SIZE_ESTIMATE = Size.gibibytes(10);

/** Room for aptly's databases, indexes and the base image, on top of the tree twice. */
const HEADROOM_MIB = 1024;

/** The build pod's workspace: where the tree is built and baked into the image layer. */
export interface BuildWorkspace {
  /** The pod volume named `workspace`. */
  readonly volume: k8s.Volume;
  /** The `ephemeral-storage` request of each step (the pod's request is the largest one), or none on a claim. */
  readonly ephemeralStorage?: k8s.Quantity;
  /** The emptyDir's size limit in MiB, for the image step's free-space check (df does not see it). */
  readonly limitMib?: number;
}

/**
 * The workspace volume: an emptyDir of 2 × the estimate + 1Gi (a `sizeLimit`, and the same as
 * each step's `ephemeral-storage` request), or the given PersistentVolumeClaim.
 */
export function buildWorkspace(estimate: Size | undefined, claimName: string | undefined): BuildWorkspace {
  if (claimName !== undefined) {
    if (estimate !== undefined) {
      throw new Error('mirrorSizeEstimate sizes the workspace emptyDir, which workspaceVolumeClaim replaces: size the claim (2 × the mirror + 1Gi) and leave mirrorSizeEstimate out');
    }
    // PersistentVolumeClaim names follow the same DNS-subdomain rule as Secret names
    if (!isSecretName(claimName)) {
      throw new Error(`workspaceVolumeClaim "${claimName}" is not a valid PersistentVolumeClaim name: use lowercase letters, digits, '-' and '.'`);
    }
    return { volume: { name: 'workspace', persistentVolumeClaim: { claimName } } };
  }
  const mib = Math.ceil((estimate ?? DEFAULT_MIRROR_SIZE_ESTIMATE).toKibibytes({ rounding: SizeRoundingBehavior.NONE }) / 1024);
  if (!Number.isFinite(mib) || mib < 1) {
    throw new Error(`mirrorSizeEstimate must be at least 1 MiB, got ${mib} MiB: give the expected size of the published mirror, e.g. Size.gibibytes(10)`);
  }
  const limitMib = 2 * mib + HEADROOM_MIB;
  const quantity = k8s.Quantity.fromString(limitMib % 1024 === 0 ? `${limitMib / 1024}Gi` : `${limitMib}Mi`);
  return { volume: { name: 'workspace', emptyDir: { sizeLimit: quantity } }, ephemeralStorage: quantity, limitMib };
}
