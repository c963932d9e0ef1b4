import { fail } from './errors';
import { loadPod, PodContext } from './manifests';
import { hostPathThroughMounts, MountInfo, resolveMounts } from './mounts';
import { cleanAbs } from './paths';
import { createTempDir, removeTempDir } from './temp-dirs';
import { MaterializedPod, MaterializeVolumesOptions } from './types';
import { supportedVolumeDirs, VolumeInfo, writeVolumes } from './volumes';

/** The pod's volumes on the host and every container's mounts resolved. */
export interface Materialized {
  readonly tempDir: string;
  readonly volumes: Map<string, VolumeInfo>;
  readonly emptyDirs: Record<string, string>;
  readonly mounts: Map<string, MountInfo[]>;
  cleanup(): void;
}

/** write the pod's volumes into a fresh temp dir and resolve the mounts (`extraEnv` as in runPod, for subPathExpr) */
export function materialize(ctx: PodContext, extraEnv: Record<string, string>): Materialized {
  const tempDir = createTempDir();
  try {
    const { volumes, emptyDirs } = writeVolumes(ctx, tempDir);
    const mounts = resolveMounts(ctx, volumes, extraEnv);
    return { tempDir, volumes, emptyDirs, mounts, cleanup: () => removeTempDir(tempDir) };
  } catch (e) {
    removeTempDir(tempDir);
    throw e;
  }
}

/**
 * Materialize the pod's volumes into a temp dir (as kubelet would) and return the host path of every
 * volumeMount of every container, without running anything (for inspection tests). Volumes of types that
 * cannot be emulated are listed in `unsupportedVolumes` and not mounted. `subPathExpr` is expanded with the
 * container's env.
 */
export function materializeVolumes(opts: MaterializeVolumesOptions): MaterializedPod {
  const ctx = loadPod(opts);
  const m = materialize(ctx, {});
  const mounts: Record<string, Record<string, string>> = {};
  for (const [name, list] of m.mounts) {
    mounts[name] = {};
    for (const mi of list) if (mi.volume.supported) mounts[name][mi.mountPath] = mi.hostPath;
  }
  const unsupportedVolumes: Record<string, string> = {};
  for (const v of m.volumes.values()) if (!v.supported) unsupportedVolumes[v.name] = v.type;
  return {
    tempDir: m.tempDir,
    volumes: supportedVolumeDirs(m.volumes),
    emptyDirs: m.emptyDirs,
    mounts,
    unsupportedVolumes,
    hostPath(container: string, pathInContainer: string): string | undefined {
      const list = m.mounts.get(container);
      if (!list) fail(`${ctx.ref} has no container "${container}"`);
      return hostPathThroughMounts(list, cleanAbs(pathInContainer, 'hostPath'));
    },
    cleanup: m.cleanup,
  };
}
