import * as fs from 'fs';
import * as path from 'path';
import { IVolume } from 'kubernetes-models/v1/Volume';
import { writeAtomic } from './atomic-writer';
import { fail } from './errors';
import { allContainers, hasOwn, PodContext } from './manifests';
import { mkdirMode, mkdirsMode, permBits, withBits } from './modes';
import { posix } from './paths';
import { buildPayload, PayloadVolumeType } from './payload';

export const SUPPORTED_VOLUME_TYPES = ['configMap', 'secret', 'projected', 'emptyDir'];

interface VolumeBase {
  readonly name: string;
  readonly type: string;
}

/** a volume written to the host */
export interface SupportedVolume extends VolumeBase {
  readonly supported: true;
  readonly hostDir: string;
  /** configMap/secret/projected: always mounted read-only */
  readonly forcedReadOnly: boolean;
}

/** a volume of a type this runner cannot emulate (not written, not mounted) */
export interface UnsupportedVolume extends VolumeBase {
  readonly supported: false;
}

export type VolumeInfo = SupportedVolume | UnsupportedVolume;

/** The pod's volumes, written below its temp dir (emptyDirs: possibly the caller's dirs). */
export interface WrittenVolumes {
  readonly volumes: Map<string, VolumeInfo>;
  /** emptyDir volume name -> host dir */
  readonly emptyDirs: Record<string, string>;
}

function volumeType(vol: IVolume): string {
  const keys = Object.keys(vol).filter(k => k !== 'name');
  // a volume with only a name is defaulted to an emptyDir by the API server
  return keys.length === 0 ? 'emptyDir' : keys.join('+');
}

/** pkg/volume/volume_linux.go SetVolumeOwnership */
function applyFsGroup(dir: string, fsGroup: number, readOnly: boolean): void {
  const visit = (p: string) => {
    const st = fs.lstatSync(p);
    fs.lchownSync(p, -1, fsGroup);
    if (st.isSymbolicLink()) return;
    const mask = readOnly ? 0o440 : 0o660;
    fs.chmodSync(p, withBits(permBits(st.mode), st.isDirectory() ? withBits(mask, 0o2110) : mask));
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) visit(path.join(p, e));
  };
  visit(dir);
}

/** pkg/volume/util/nested_volumes.go: mount points of other volumes nested below this volume's mount points */
function nestedMountpoints(ctx: PodContext, volName: string): string[] {
  const out: string[] = [];
  for (const { c } of allContainers(ctx)) {
    const all = (c.volumeMounts ?? []).map(m => posix.normalize(m.mountPath)).sort();
    const mine = (c.volumeMounts ?? []).filter(m => m.name === volName).map(m => posix.normalize(m.mountPath));
    for (const my of mine) {
      const mySlash = my.endsWith('/') ? my : my + '/';
      let prev = '';
      for (const mp of all) {
        if (!mp.startsWith(mySlash)) continue;
        if (prev !== '' && mp.startsWith(prev)) continue;
        prev = mp + '/';
        out.push(mp.slice(mySlash.length));
      }
    }
  }
  return out;
}

function emptyDirVolume(ctx: PodContext, name: string, tempDir: string, fsGroup: number | undefined): SupportedVolume {
  const callerDirs = ctx.opts.emptyDirs ?? {};
  const dir = hasOwn(callerDirs, name) ? path.resolve(callerDirs[name]) : path.join(tempDir, 'volumes', name);
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, 0o777);
  if (fsGroup !== undefined) applyFsGroup(dir, fsGroup, false);
  return { name, type: 'emptyDir', hostDir: dir, forcedReadOnly: false, supported: true };
}

function payloadVolume(ctx: PodContext, vol: IVolume, type: PayloadVolumeType, tempDir: string, fsGroup: number | undefined): SupportedVolume {
  const payload = buildPayload(ctx, vol, type);
  const dir = path.join(tempDir, 'volumes', vol.name);
  mkdirMode(dir, 0o777);
  for (const nested of nestedMountpoints(ctx, vol.name)) mkdirsMode(dir, nested, 0o755);
  writeAtomic(dir, payload);
  if (fsGroup !== undefined) applyFsGroup(dir, fsGroup, true);
  return { name: vol.name, type, hostDir: dir, forcedReadOnly: true, supported: true };
}

/** write every volume of the pod below `tempDir` as kubelet would (unsupported types are only listed) */
export function writeVolumes(ctx: PodContext, tempDir: string): WrittenVolumes {
  const volumes = new Map<string, VolumeInfo>();
  const emptyDirs: Record<string, string> = {};
  const fsGroup: number | undefined = ctx.spec.securityContext?.fsGroup ?? undefined;
  for (const vol of ctx.spec.volumes ?? []) {
    if (!vol?.name) fail(`${ctx.ref}: a volume without a name`);
    if (volumes.has(vol.name)) fail(`${ctx.ref}: duplicate volume "${vol.name}"`);
    const type = volumeType(vol);
    if (!SUPPORTED_VOLUME_TYPES.includes(type)) {
      volumes.set(vol.name, { name: vol.name, type, supported: false });
    } else if (type === 'emptyDir') {
      const info = emptyDirVolume(ctx, vol.name, tempDir, fsGroup);
      emptyDirs[vol.name] = info.hostDir;
      volumes.set(vol.name, info);
    } else {
      volumes.set(vol.name, payloadVolume(ctx, vol, type as PayloadVolumeType, tempDir, fsGroup));
    }
  }
  for (const name of Object.keys(ctx.opts.emptyDirs ?? {})) {
    if (!hasOwn(emptyDirs, name)) fail(`opts.emptyDirs names "${name}", which is not an emptyDir volume of ${ctx.ref}`);
  }
  return { volumes, emptyDirs };
}

/** volume name -> host dir of every volume that was written */
export function supportedVolumeDirs(volumes: Map<string, VolumeInfo>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of volumes.values()) if (v.supported) out[v.name] = v.hostDir;
  return out;
}
