import * as fs from 'fs';
import * as path from 'path';
import { IContainer } from 'kubernetes-models/v1/Container';
import { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import { resolveEnv } from './env';
import { fail } from './errors';
import { expandKubernetesVars } from './expand';
import { allContainers, PodContext } from './manifests';
import { mkdirsMode, permBits } from './modes';
import { checkRelPath, cleanAbs, depth, isUnder, posix } from './paths';
import { VolumeInfo } from './volumes';

/** A volumeMount of a container, resolved to the host path it binds. */
export interface MountInfo {
  readonly volume: VolumeInfo;
  readonly mountPath: string;
  /** '' for a volume that is not emulated */
  readonly hostPath: string;
  readonly readOnly: boolean;
  readonly isFile: boolean;
}

/** subPath, or subPathExpr expanded with the container's env */
function subPathOf(ctx: PodContext, c: IContainer, vm: IVolumeMount, where: string, extraEnv: Record<string, string>): string | undefined {
  const subPath = vm.subPath || undefined;
  if (!vm.subPathExpr) return subPath;
  if (subPath) fail(`${ctx.ref}: ${where}: subPath and subPathExpr are mutually exclusive`);
  const env = resolveEnv(ctx, c, extraEnv);
  return expandKubernetesVars(vm.subPathExpr, name => env.get(name));
}

/** the host path of `subPath` in the volume at `hostDir`, created (as a directory) when missing, like kubelet */
function subPathHostPath(hostDir: string, subPath: string, where: string): string {
  const rel = checkRelPath(subPath, `${where} subPath`);
  const candidate = path.join(hostDir, rel);
  // kubelet creates a missing subPath as a directory with the volume root's mode
  if (!fs.existsSync(candidate)) mkdirsMode(hostDir, rel, permBits(fs.statSync(hostDir).mode));
  const hostPath = fs.realpathSync(candidate);
  const root = fs.realpathSync(hostDir);
  if (!isUnder(hostPath, root)) fail(`${where}: subPath "${subPath}" resolves outside the volume`);
  return hostPath;
}

function resolveMount(ctx: PodContext, c: IContainer, vm: IVolumeMount, volumes: Map<string, VolumeInfo>,
  extraEnv: Record<string, string>): MountInfo {
  const where = `container "${c.name}" volumeMount "${vm.name}" at ${vm.mountPath}`;
  const volume = volumes.get(vm.name);
  if (!volume) fail(`${ctx.ref}: ${where} references a volume that is not defined`);
  const mountPath = cleanAbs(vm.mountPath, `${ctx.ref}: ${where}`);
  if (!volume.supported) return { volume, mountPath, hostPath: '', readOnly: true, isFile: false };
  const subPath = subPathOf(ctx, c, vm, where, extraEnv);
  const hostPath = subPath ? subPathHostPath(volume.hostDir, subPath, `${ctx.ref}: ${where}`) : volume.hostDir;
  return {
    volume,
    mountPath,
    hostPath,
    readOnly: vm.readOnly === true || volume.forcedReadOnly,
    isFile: !fs.statSync(hostPath).isDirectory(),
  };
}

/** container name -> its volumeMounts, resolved (`extraEnv` as in runPod, for subPathExpr) */
export function resolveMounts(ctx: PodContext, volumes: Map<string, VolumeInfo>, extraEnv: Record<string, string>): Map<string, MountInfo[]> {
  const mounts = new Map<string, MountInfo[]>();
  for (const { c } of allContainers(ctx)) {
    mounts.set(c.name, (c.volumeMounts ?? []).map(vm => resolveMount(ctx, c, vm, volumes, extraEnv)));
  }
  return mounts;
}

/** the host path of `p` as the container with mounts `list` sees it; undefined when it is not on a volume */
export function hostPathThroughMounts(list: MountInfo[], p: string): string | undefined {
  let best: MountInfo | undefined;
  for (const mi of list) {
    if (mi.volume.supported && isUnder(p, mi.mountPath) && (!best || depth(mi.mountPath) >= depth(best.mountPath))) best = mi;
  }
  if (!best) return undefined;
  return p === best.mountPath ? best.hostPath : path.join(best.hostPath, posix.relative(best.mountPath, p));
}
