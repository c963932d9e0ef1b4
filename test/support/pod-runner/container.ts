import { IContainer } from 'kubernetes-models/v1/Container';
import { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import { containerCapabilities } from './capabilities';
import { resolveEnv } from './env';
import { fail } from './errors';
import { expandKubernetesVars } from './expand';
import { DEFAULT_PATH, hostGroupsOf, hostPasswd } from './host';
import { PodContext, PodContainer } from './manifests';
import { MountInfo } from './mounts';
import { cleanAbs } from './paths';
import { ImageConfig, RunPodOptions } from './types';
import { SUPPORTED_VOLUME_TYPES } from './volumes';

/** A container resolved to what the sandbox needs: argv, env, identity, capabilities, paths. */
export interface Prepared {
  readonly name: string;
  readonly c: IContainer;
  readonly argv: string[];
  readonly env: Map<string, string>;
  readonly workingDir: string;
  readonly uid: number;
  readonly gid: number;
  readonly groups: number[];
  readonly caps: string[];
  readonly readOnlyRoot: boolean;
  readonly terminationMessagePath: string;
  /** The image's own files (ImageConfig.files). */
  readonly imageFiles: Array<{ dest: string; src: string }>;
}

/** who the container's process runs as */
interface Identity {
  readonly uid: number;
  readonly gid: number;
  readonly groups: number[];
  /** HOME, when neither the image nor the container sets it */
  readonly home: string;
}

function imageConfig(opts: RunPodOptions, image: string): ImageConfig {
  const base = opts.images?.[image] ?? {};
  const ep = opts.entrypoints?.[image];
  return ep ? { ...base, entrypoint: ep } : base;
}

function parseImageUser(user: number | string | undefined, where: string): { uid?: number; gid?: number } {
  if (user === undefined) return {};
  if (typeof user === 'number') return { uid: user };
  const m = /^(\d+)(?::(\d+))?$/.exec(user);
  if (!m) fail(`${where}: image user "${user}" must be numeric (uid or uid:gid)`);
  return { uid: Number(m[1]), gid: m[2] === undefined ? undefined : Number(m[2]) };
}

/** refuse what would run differently here than under kubelet */
function checkEmulated(ctx: PodContext, { c, init }: PodContainer, mounts: MountInfo[], where: string): void {
  if (init && c.restartPolicy === 'Always') fail(`${where}: sidecar init containers (restartPolicy: Always) are not emulated`);
  if (c.lifecycle?.postStart) fail(`${where}: lifecycle.postStart hooks are not emulated`);
  if (c.volumeDevices?.length) fail(`${where}: volumeDevices are not emulated`);
  for (const mi of mounts) {
    if (!mi.volume.supported) fail(`${where}: volume "${mi.volume.name}" (${mi.volume.type}) mounted at ${mi.mountPath} is not emulated (only ${SUPPORTED_VOLUME_TYPES.join(', ')})`);
  }
  if (c.securityContext?.privileged === true) fail(`${where}: privileged containers are not emulated`);
  if ((ctx.spec.securityContext?.sysctls ?? []).length) fail(`${ctx.ref}: pod sysctls are not emulated`);
}

/** command/args (with `$(VAR)` expansion) combined with the image's ENTRYPOINT/CMD, as Kubernetes does */
function commandLine(c: IContainer, img: ImageConfig, env: Map<string, string>, where: string): string[] {
  const expand = (s: unknown) => expandKubernetesVars(String(s), n => env.get(n));
  const command: string[] = (c.command ?? []).map(expand);
  const args: string[] = (c.args ?? []).map(expand);
  let argv: string[];
  if (command.length) {
    argv = [...command, ...args];
  } else {
    if (img.entrypoint === undefined && img.cmd === undefined && args.length === 0) {
      fail(`${where}: no command, and the entrypoint of image "${c.image}" is unknown; pass entrypoints: { '${c.image}': [...] }`);
    }
    if (img.entrypoint === undefined && args.length > 0 && img.cmd === undefined) {
      fail(`${where}: only args, and the entrypoint of image "${c.image}" is unknown; pass entrypoints: { '${c.image}': [...] } (possibly [])`);
    }
    argv = [...(img.entrypoint ?? []), ...(args.length ? args : (img.cmd ?? []))];
  }
  if (argv.length === 0) fail(`${where}: nothing to run (empty command)`);
  return argv;
}

/** runAsUser/runAsGroup/runAsNonRoot/supplementalGroups/fsGroup, falling back to the image's USER and the host's passwd */
function identity(c: IContainer, img: ImageConfig, podSc: IPodSecurityContext, sc: ISecurityContext, where: string): Identity {
  const imgUser = parseImageUser(img.user, where);
  let uid: number | undefined = sc.runAsUser ?? podSc.runAsUser ?? imgUser.uid;
  const runAsNonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
  if (uid === undefined) {
    if (runAsNonRoot) {
      fail(`${where}: runAsNonRoot is set but no runAsUser, so the image's USER decides and it is unknown here `
        + `(kubelet refuses to start the container if it is root); set securityContext.runAsUser, or pass images: { '${c.image}': { user: <uid> } }`);
    }
    uid = 0;
  }
  if (runAsNonRoot && uid === 0) fail(`${where}: container has runAsNonRoot and would run as root (kubelet refuses to start it)`);
  const pw = hostPasswd().find(p => p.uid === uid);
  const gid: number = sc.runAsGroup ?? podSc.runAsGroup ?? imgUser.gid ?? pw?.gid ?? 0;
  const groups = [...new Set<number>([
    gid,
    ...(pw ? hostGroupsOf(pw.name) : []),
    ...(podSc.supplementalGroups ?? []),
    ...(podSc.fsGroup !== undefined && podSc.fsGroup !== null ? [podSc.fsGroup] : []),
  ])];
  return { uid, gid, groups, home: uid === 0 ? '/root' : pw?.home || '/' };
}

/** runtime env: image ENV, then the container's env, then what runtimes add */
function runtimeEnv(img: ImageConfig, env: Map<string, string>, podName: string, home: string): Map<string, string> {
  const out = new Map<string, string>(Object.entries(img.env ?? {}));
  for (const [k, v] of env) out.set(k, v);
  if (!out.has('PATH')) out.set('PATH', DEFAULT_PATH);
  if (!out.has('HOSTNAME')) out.set('HOSTNAME', podName);
  if (!out.has('HOME')) out.set('HOME', home);
  return out;
}

/** resolve a container for the sandbox; throws PodRunnerError for what cannot be resolved or emulated */
export function prepareContainer(ctx: PodContext, opts: RunPodOptions, pc: PodContainer, mounts: MountInfo[]): Prepared {
  const c = pc.c;
  const where = `${ctx.ref} container "${c.name}"`;
  checkEmulated(ctx, pc, mounts, where);
  const sc = c.securityContext ?? {};
  const img = imageConfig(opts, String(c.image));
  const env = resolveEnv(ctx, c, opts.extraEnv ?? {});
  const argv = commandLine(c, img, env, where);
  const id = identity(c, img, ctx.spec.securityContext ?? {}, sc, where);
  const caps = containerCapabilities(sc, where);
  return {
    name: c.name,
    c,
    argv,
    env: runtimeEnv(img, env, ctx.podName, id.home),
    workingDir: cleanAbs(c.workingDir || img.workingDir || '/', `${where} workingDir`),
    uid: id.uid,
    gid: id.gid,
    groups: id.groups,
    caps,
    readOnlyRoot: sc.readOnlyRootFilesystem === true,
    terminationMessagePath: cleanAbs(c.terminationMessagePath || '/dev/termination-log', `${where} terminationMessagePath`),
    imageFiles: Object.entries(img.files ?? {}).map(([dest, src]) => ({ dest: cleanAbs(dest, `${where} image file`), src })),
  };
}
