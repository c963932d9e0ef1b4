/**
 * Test support: run the containers of a *synthesized* pod template (Pod, Job, Deployment, ...)
 * locally, the way kubelet + a container runtime would run them, each in a bubblewrap sandbox.
 *
 * What is emulated (following kubelet/containerd behaviour):
 * - configMap / secret / projected volumes are written with kubelet's atomic-writer layout
 *   (`<vol>/..<timestamp>/<files>`, `<vol>/..data -> ..<timestamp>`, `<vol>/<top> -> ..data/<top>`),
 *   honouring `items`, `defaultMode` (default 0644), per-item `mode`, `optional`, `binaryData`,
 *   Secret `data`/`stringData`, and kubelet's nested mount points. They are always mounted
 *   read-only (as kubelet does since 1.10). emptyDir volumes are one 0777 directory per volume,
 *   shared by all containers of the pod. `fsGroup` ownership/mode changes are applied like
 *   kubelet's SetVolumeOwnership.
 * - volumeMounts with `subPath`/`subPathExpr` (only that file/dir is bound; a missing subPath is
 *   created as a directory), `readOnly`, mounts sorted parent-first like containerd.
 * - env: `value` with `$(VAR)` expansion, `valueFrom` (configMapKeyRef, secretKeyRef, fieldRef),
 *   `envFrom` (configMapRef, secretRef, prefix); PATH/HOME/HOSTNAME defaults as runtimes add them.
 * - command/args with Kubernetes semantics (incl. `$(VAR)` expansion). The image's ENTRYPOINT/CMD
 *   are unknown: without `command` the run throws unless `entrypoints`/`images` says what they are.
 * - securityContext: runAsUser/runAsGroup/runAsNonRoot/fsGroup/supplementalGroups (via setpriv),
 *   readOnlyRootFilesystem (root fs remounted read-only), capabilities (containerd's default set,
 *   `add`/`drop`).
 * - own PID/IPC/UTS namespaces with the command as PID 1 (so, as in a container, a shell without a
 *   trap ignores SIGTERM, and leftover daemons such as gpg-agent die with it), hostname = pod name,
 *   a private /dev with real device nodes (no /dev/pts), /proc, read-only /sys,
 *   /dev/termination-log (or terminationMessagePath, with FallbackToLogsOnError).
 *
 * THE DELIBERATE COMPROMISE: the container image is NOT used. Every container runs on the host's
 * root filesystem (`bwrap --dev-bind / / ...`), so the host's tools (sh, aptly, gpg, nginx, ...)
 * stand in for the ones in the image. The image must provide the same tools; this runner cannot
 * check that. To keep containers from seeing / trampling each other's and the host's scratch
 * state, `privateDirs` (default /tmp, /var/tmp, /root, /run) get a fresh tmpfs per container, like
 * a fresh image would. Everything else on the root filesystem is the host's and is writable
 * unless `readOnlyRootFilesystem` is set, so a container that writes outside its volumes and
 * private dirs writes to the host.
 *
 * Mount points: with `--dev-bind / /`, bwrap creates missing mount points on the host (e.g.
 * `/etc/mini-mirror/build`, `/workspace`). Those are left behind as EMPTY directories (acceptable on
 * a throwaway test machine; removing them could break a concurrently running sandbox). Files are
 * never left behind: a missing file mount point (subPath mount of a file, termination log) is
 * created inside a per-container tmpfs "shadow" of its parent directory (the parent's host entries
 * are bound back into it) or inside a temporary directory bound over a parent that did not exist.
 * Exception: a file mounted directly under `/` would leave an empty file there.
 *
 * Other limitations: containers of a pod run SEQUENTIALLY (init containers and regular containers
 * alike; regular containers really run concurrently), each once (no restartPolicy/backoffLimit),
 * sharing the host network (so they can reach servers started by the test); no service account
 * token, downwardAPI volume, service-link env vars, resource limits, probes, seccomp/AppArmor/
 * SELinux; bwrap always sets no_new_privs (setuid binaries do not elevate). Unsupported features
 * that would change behaviour (hostPath/PVC/... volumes, postStart hooks, sidecar init containers,
 * privileged, resourceFieldRef, sysctls) make `runPod` throw instead of running something different.
 *
 * Temp dirs: every pod gets one temp dir (volumes, logs, shadows). It is kept until
 * `result.cleanup()` (or `materialized.cleanup()`), `cleanupAll()`, the end of the current jest
 * test file (an `afterAll` hook is registered when this module is loaded by a test), or process
 * exit — whichever comes first. Set POD_RUNNER_KEEP=1 to keep them for debugging. Host directories
 * passed in `emptyDirs` are never deleted (and are used as they are, so a test may pre-seed them).
 */
import { execFileSync, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

const posix = path.posix;

/** Content of a Secret key given by the test. */
export type SecretContent = string | Buffer;

/** What we would otherwise read from the container image's config. */
export interface ImageConfig {
  /** ENTRYPOINT */
  readonly entrypoint?: string[];
  /** CMD (used when the container has neither `command` nor `args`) */
  readonly cmd?: string[];
  /** ENV (the container's env overrides it) */
  readonly env?: Record<string, string>;
  /** WORKDIR */
  readonly workingDir?: string;
  /** USER: a uid or 'uid:gid' (numeric) */
  readonly user?: number | string;
  /**
   * Files of the image itself: container path -> host file or directory, mounted read-only, as if
   * the image had them (e.g. the tree an image layer holds, unpacked with umoci).
   */
  readonly files?: Record<string, string>;
}

/** Where the pod comes from. */
export interface PodSourceOptions {
  /** all synthesized objects (plain JSON objects as from cdk8s `Testing.synth(chart)` / parsed YAML) */
  readonly manifests: any[];
  /** kind of the object whose pod template to use: Pod, Job, Deployment, StatefulSet, DaemonSet, ReplicaSet, CronJob */
  readonly kind: string;
  /** metadata.name of that object */
  readonly name: string;
  /** metadata.namespace of that object, only needed to disambiguate */
  readonly namespace?: string;
  /** Secrets that are not in the manifests (created out of band): name -> key -> content. Looked up before the manifests. */
  readonly secrets?: Record<string, Record<string, SecretContent>>;
  /** host dir to use for an emptyDir volume, per volume name (kept as is, never deleted); default: fresh temp dirs */
  readonly emptyDirs?: Record<string, string>;
  /** the pod's name, as seen by fieldRef metadata.name and the hostname; default 'test-pod' */
  readonly podName?: string;
}

/** Options of {@link materializeVolumes}. */
export interface MaterializeVolumesOptions extends PodSourceOptions {}

/** Options of {@link runPod}. */
export interface RunPodOptions extends PodSourceOptions {
  /** which containers to run, in order; default: all initContainers in order, then all containers in order */
  readonly containers?: string[];
  /** extra env for every container, as if appended to each container's `env` (seen by `$(VAR)` in command/args) — use sparingly */
  readonly extraEnv?: Record<string, string>;
  /** timeout per container in ms (the sandbox's process group is SIGKILLed); default 120000 */
  readonly timeoutMs?: number;
  /** image -> ENTRYPOINT, for containers without `command` */
  readonly entrypoints?: Record<string, string[]>;
  /** image -> image config (ENTRYPOINT, CMD, ENV, WORKDIR, USER); `entrypoints` takes precedence for the entrypoint */
  readonly images?: Record<string, ImageConfig>;
  /** directories that get a fresh, private tmpfs in every container; default ['/tmp', '/var/tmp', '/root', '/run'] */
  readonly privateDirs?: string[];
  /** aborts the running container (SIGTERM, SIGKILL 2s later); later containers are not run */
  readonly signal?: AbortSignal;
}

/** Outcome of one container. */
export interface ContainerResult {
  readonly name: string;
  /** exit code; 128+N when killed by signal N (137 on timeout), like Kubernetes reports it */
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
  /** true when killed because of `timeoutMs` */
  readonly timedOut: boolean;
  /** true when killed because `signal` aborted */
  readonly aborted: boolean;
  /** the argv run inside the sandbox (after `$(VAR)` expansion) */
  readonly argv: string[];
  /** host file with stdout and stderr as they came (interleaved) */
  readonly logFile: string;
  /** what the container wrote to its terminationMessagePath */
  readonly terminationMessage: string;
}

/** Outcome of {@link runPod}. */
export interface RunPodResult {
  /** one entry per container that was started, in order */
  readonly results: ContainerResult[];
  /** the first non-zero exit code, or 0 */
  readonly exitCode: number;
  /** name of the first failing container, if any */
  readonly failedContainer?: string;
  /** emptyDir volume name -> host dir */
  readonly emptyDirs: Record<string, string>;
  /** volume name -> host dir of every materialized volume */
  readonly volumes: Record<string, string>;
  /** the pod's temp dir (volumes, logs) */
  readonly tempDir: string;
  /** remove the temp dir now (caller-provided emptyDirs are kept) */
  cleanup(): void;
}

/** Volumes of a pod written to the host, without running anything. */
export interface MaterializedPod {
  /** the pod's temp dir */
  readonly tempDir: string;
  /** volume name -> host dir (configMap/secret/projected: kubelet's ..data layout) */
  readonly volumes: Record<string, string>;
  /** emptyDir volume name -> host dir */
  readonly emptyDirs: Record<string, string>;
  /** container name -> mountPath -> host path bound there (subPath resolved) */
  readonly mounts: Record<string, Record<string, string>>;
  /** volumes that cannot be emulated: name -> volume type (they are not mounted) */
  readonly unsupportedVolumes: Record<string, string>;
  /**
   * The host path of a path as the container sees it through its volume mounts, e.g.
   * `hostPath('main', '/etc/mini-mirror/build/build.json')`; undefined when the path is not on a volume.
   */
  hostPath(container: string, pathInContainer: string): string | undefined;
  /** remove the temp dir now (caller-provided emptyDirs are kept) */
  cleanup(): void;
}

/** A pod this runner refuses to run: invalid, unresolvable, or not emulated. */
export class PodRunnerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PodRunnerError';
  }
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_PRIVATE_DIRS = ['/tmp', '/var/tmp', '/root', '/run'];
const ABORT_GRACE_MS = 2_000;
/** containerd's default capability set for non-privileged containers */
const DEFAULT_CAPS = [
  'chown', 'dac_override', 'fsetid', 'fowner', 'mknod', 'net_raw', 'setgid', 'setuid',
  'setfcap', 'setpcap', 'net_bind_service', 'sys_chroot', 'kill', 'audit_write',
];
const ALL_CAPS = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap',
  'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner',
  'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice',
  'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease', 'audit_write', 'audit_control', 'setfcap',
  'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf',
  'checkpoint_restore',
];
const SUPPORTED_VOLUME_TYPES = ['configMap', 'secret', 'projected', 'emptyDir'];

// ---------------------------------------------------------------------------------------------
// temp dir bookkeeping

const liveTempDirs = new Set<string>();

function removeTempDir(dir: string): void {
  if (!liveTempDirs.has(dir)) return;
  liveTempDirs.delete(dir);
  if (process.env.POD_RUNNER_KEEP) {
    process.stderr.write(`pod-runner: keeping ${dir} (POD_RUNNER_KEEP is set)\n`);
    return;
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Remove every temp dir this module created and that was not cleaned up yet. */
export function cleanupAll(): void {
  for (const dir of [...liveTempDirs]) removeTempDir(dir);
}

{
  // Under jest: clean up at the end of the test file that loaded this module (module registries are
  // per file). Elsewhere (or when loaded from inside a test): at process exit.
  let registered = false;
  const hook = (globalThis as any).afterAll;
  if (typeof hook === 'function') {
    try {
      hook(() => cleanupAll());
      registered = true;
    } catch {
      // loaded from inside a test
    }
  }
  if (!registered) process.once('exit', () => cleanupAll());
}

// ---------------------------------------------------------------------------------------------
// small helpers

function fail(message: string): never {
  throw new PodRunnerError(message);
}

function hasOwn(obj: object | undefined, key: string): boolean {
  return obj !== undefined && Object.prototype.hasOwnProperty.call(obj, key);
}

function depth(p: string): number {
  return p === '/' ? 0 : p.split('/').length - 1;
}

/** true when `p` is `ancestor` or below it */
function isUnder(p: string, ancestor: string): boolean {
  return ancestor === '/' || p === ancestor || p.startsWith(ancestor + '/');
}

function cleanAbs(p: string, what: string): string {
  if (typeof p !== 'string' || !p.startsWith('/')) fail(`${what}: "${p}" must be an absolute path`);
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** kubelet's validation of a relative path inside a volume (items[].path, subPath) */
function checkRelPath(p: string, what: string): string {
  if (typeof p !== 'string' || p === '') fail(`${what}: path must not be empty`);
  if (p.startsWith('/')) fail(`${what}: "${p}" must be a relative path`);
  const parts = p.split('/');
  if (parts.includes('..')) fail(`${what}: "${p}" must not contain '..'`);
  if (parts[0].startsWith('..')) fail(`${what}: "${p}" must not start with '..'`);
  return posix.normalize(p);
}

function checkMode(mode: unknown, what: string): number {
  if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o777) {
    fail(`${what}: mode ${String(mode)} must be an integer between 0 and 0777 (decimal 511)`);
  }
  return mode;
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/** permission bits (incl. setuid/setgid/sticky) of a st_mode */
function permBits(mode: number): number {
  // eslint-disable-next-line no-bitwise
  return mode & 0o7777;
}

/** `mode` with the bits of `mask` set */
function withBits(mode: number, mask: number): number {
  // eslint-disable-next-line no-bitwise
  return mode | mask;
}

/** create `rel` (and its missing parents) below the existing `base`, giving each created dir `mode` */
function mkdirsMode(base: string, rel: string, mode: number): void {
  let cur = base;
  for (const part of rel.split('/').filter(x => x !== '' && x !== '.')) {
    cur = path.join(cur, part);
    if (!fs.existsSync(cur)) {
      fs.mkdirSync(cur);
      fs.chmodSync(cur, mode);
    }
  }
}

function mkdirMode(dir: string, mode: number): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, mode);
}

interface PasswdEntry { name: string; uid: number; gid: number; home: string }

function hostPasswd(): PasswdEntry[] {
  try {
    return fs.readFileSync('/etc/passwd', 'utf8').split('\n').filter(l => l && !l.startsWith('#')).map(l => {
      const f = l.split(':');
      return { name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] };
    });
  } catch {
    return [];
  }
}

function hostGroupsOf(user: string): number[] {
  try {
    return fs.readFileSync('/etc/group', 'utf8').split('\n').filter(l => l && !l.startsWith('#')).map(l => l.split(':'))
      .filter(f => (f[3] ?? '').split(',').includes(user)).map(f => Number(f[2]));
  } catch {
    return [];
  }
}

function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH || DEFAULT_PATH).split(':')) {
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return undefined;
}

/**
 * Kubernetes' `$(VAR)` expansion (k8s.io/kubernetes/third_party/forked/golang/expansion):
 * `$(VAR)` becomes the value of VAR when `lookup` knows it and stays as is otherwise; `$$` becomes `$`.
 */
export function expandKubernetesVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] === '$' && cursor + 1 < input.length) {
      out += input.slice(checkpoint, cursor);
      const rest = input.slice(cursor + 1);
      let advance = 1;
      if (rest[0] === '$') {
        out += '$';
      } else if (rest[0] === '(') {
        const close = rest.indexOf(')');
        if (close > 0) {
          const name = rest.slice(1, close);
          const value = lookup(name);
          out += value !== undefined ? value : `$(${name})`;
          advance = close + 1;
        } else {
          out += '$(';
        }
      } else {
        out += '$' + rest[0];
      }
      cursor += advance;
      checkpoint = cursor + 1;
    }
  }
  return out + input.slice(checkpoint);
}

// ---------------------------------------------------------------------------------------------
// the pod and the objects it references

interface PodContext {
  readonly opts: PodSourceOptions;
  readonly manifests: any[];
  /** e.g. 'Job/foo', for messages */
  readonly ref: string;
  readonly meta: any;
  readonly spec: any;
  readonly podName: string;
  readonly namespace: string;
  readonly uid: string;
}

function loadPod(opts: PodSourceOptions): PodContext {
  if (!Array.isArray(opts.manifests)) fail('manifests must be an array of objects');
  const manifests = opts.manifests.filter(m => m && typeof m === 'object');
  const matches = manifests.filter(m => m.kind === opts.kind && m.metadata?.name === opts.name
    && (opts.namespace === undefined || (m.metadata?.namespace ?? 'default') === opts.namespace));
  const ref = `${opts.kind}/${opts.name}`;
  if (matches.length === 0) {
    const have = manifests.map(m => `${m.kind}/${m.metadata?.name}`).join(', ');
    fail(`no ${ref} in the manifests (they contain: ${have || 'nothing'})`);
  }
  if (matches.length > 1) fail(`${ref} is ambiguous (${matches.length} objects); pass namespace`);
  const obj = matches[0];
  let template: any;
  switch (obj.kind) {
    case 'Pod': template = { metadata: obj.metadata, spec: obj.spec }; break;
    case 'Job': case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'ReplicationController':
      template = obj.spec?.template; break;
    case 'CronJob': template = obj.spec?.jobTemplate?.spec?.template; break;
    default: fail(`${ref}: kind ${obj.kind} has no pod template this runner knows`);
  }
  if (!template?.spec || !Array.isArray(template.spec.containers)) fail(`${ref}: no pod template spec with containers`);
  const uid = crypto.randomUUID();
  let meta = template.metadata ?? {};
  if (obj.kind === 'Job') {
    // the labels the Job controller adds to its pods
    const jobUid = obj.metadata?.uid ?? crypto.randomUUID();
    meta = {
      ...meta,
      labels: {
        ...meta.labels,
        'batch.kubernetes.io/controller-uid': jobUid,
        'batch.kubernetes.io/job-name': obj.metadata.name,
        'controller-uid': jobUid,
        'job-name': obj.metadata.name,
      },
    };
  }
  return {
    opts,
    manifests,
    ref,
    meta,
    spec: template.spec,
    podName: opts.podName ?? 'test-pod',
    namespace: obj.metadata?.namespace ?? 'default',
    uid,
  };
}

function allContainers(ctx: PodContext): Array<{ c: any; init: boolean }> {
  return [
    ...(ctx.spec.initContainers ?? []).map((c: any) => ({ c, init: true })),
    ...ctx.spec.containers.map((c: any) => ({ c, init: false })),
  ];
}

/** key -> content of a ConfigMap (data + binaryData) or Secret (opts.secrets, else data + stringData); undefined when absent */
function lookupData(ctx: PodContext, kind: 'ConfigMap' | 'Secret', name: string, dataOnly = false): Map<string, Buffer> | undefined {
  if (typeof name !== 'string' || name === '') fail(`${ctx.ref}: a ${kind} reference without a name`);
  if (kind === 'Secret' && hasOwn(ctx.opts.secrets, name)) {
    const out = new Map<string, Buffer>();
    for (const [k, v] of Object.entries(ctx.opts.secrets![name])) out.set(k, Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8'));
    return out;
  }
  const objs = ctx.manifests.filter(m => m.kind === kind && m.metadata?.name === name
    && (m.metadata?.namespace ?? ctx.namespace) === ctx.namespace);
  if (objs.length === 0) return undefined;
  if (objs.length > 1) fail(`${kind} "${name}" appears ${objs.length} times in the manifests`);
  const obj = objs[0];
  const out = new Map<string, Buffer>();
  if (kind === 'ConfigMap') {
    for (const [k, v] of Object.entries(obj.data ?? {})) out.set(k, Buffer.from(String(v), 'utf8'));
    if (!dataOnly) {
      for (const [k, v] of Object.entries(obj.binaryData ?? {})) {
        if (out.has(k)) fail(`ConfigMap "${name}": key "${k}" is in both data and binaryData`);
        out.set(k, Buffer.from(String(v), 'base64'));
      }
    }
  } else {
    for (const [k, v] of Object.entries(obj.data ?? {})) out.set(k, Buffer.from(String(v), 'base64'));
    for (const [k, v] of Object.entries(obj.stringData ?? {})) out.set(k, Buffer.from(String(v), 'utf8'));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// volumes

type Payload = Map<string, { data: Buffer; mode: number }>;

interface VolumeInfo {
  readonly name: string;
  readonly type: string;
  readonly hostDir?: string;
  /** configMap/secret/projected: always mounted read-only */
  readonly forcedReadOnly: boolean;
  readonly supported: boolean;
}

interface MountInfo {
  readonly volume: VolumeInfo;
  readonly mountPath: string;
  readonly hostPath: string;
  readonly readOnly: boolean;
  readonly isFile: boolean;
}

interface Materialized {
  readonly ctx: PodContext;
  readonly tempDir: string;
  readonly volumes: Map<string, VolumeInfo>;
  readonly emptyDirs: Record<string, string>;
  readonly mounts: Map<string, MountInfo[]>;
  cleanup(): void;
}

/** configmap.MakePayload / secret.MakePayload */
function addKeysToPayload(payload: Payload, what: string, entries: Map<string, Buffer> | undefined,
  items: any[] | undefined, defaultMode: number, optional: boolean, onDuplicate?: string): void {
  if (entries === undefined) {
    if (optional) return;
    fail(`${what} not found in the manifests${what.startsWith('Secret') ? ' nor in opts.secrets' : ''} (kubelet: not found); add it or mark the reference optional`);
  }
  const add = (p: string, data: Buffer, mode: number) => {
    if (onDuplicate && payload.has(p)) fail(`${onDuplicate}: conflicting duplicate paths "${p}"`);
    payload.set(p, { data, mode });
  };
  if (!items || items.length === 0) {
    for (const [k, data] of entries) add(checkRelPath(k, `${what} key`), data, defaultMode);
    return;
  }
  for (const item of items) {
    const data = entries.get(item.key);
    if (data === undefined) {
      if (optional) continue;
      fail(`${what} references non-existent key "${item.key}"`);
    }
    const mode = item.mode === undefined || item.mode === null ? defaultMode : checkMode(item.mode, `${what} item ${item.key}`);
    add(checkRelPath(item.path, `${what} item ${item.key}`), data, mode);
  }
}

function volumeType(vol: any): string {
  const keys = Object.keys(vol).filter(k => k !== 'name');
  // a volume with only a name is defaulted to an emptyDir by the API server
  return keys.length === 0 ? 'emptyDir' : keys.join('+');
}

function buildPayload(ctx: PodContext, vol: any, type: string): Payload {
  const payload: Payload = new Map();
  const where = `volume "${vol.name}" of ${ctx.ref}`;
  const src = vol[type] ?? {};
  const defaultMode = src.defaultMode === undefined || src.defaultMode === null ? 0o644 : checkMode(src.defaultMode, where);
  if (type === 'configMap') {
    addKeysToPayload(payload, `ConfigMap "${src.name}" (${where})`, lookupData(ctx, 'ConfigMap', src.name), src.items, defaultMode, src.optional === true);
  } else if (type === 'secret') {
    addKeysToPayload(payload, `Secret "${src.secretName}" (${where})`, lookupData(ctx, 'Secret', src.secretName), src.items, defaultMode, src.optional === true);
  } else {
    for (const [i, source] of (src.sources ?? []).entries()) {
      const kinds = Object.keys(source ?? {});
      if (kinds.length !== 1) fail(`${where}: projected source #${i} must have exactly one of configMap/secret (has ${kinds.join(', ')})`);
      const kind = kinds[0];
      const s = source[kind] ?? {};
      if (kind === 'configMap') {
        addKeysToPayload(payload, `ConfigMap "${s.name}" (${where})`, lookupData(ctx, 'ConfigMap', s.name), s.items, defaultMode, s.optional === true, where);
      } else if (kind === 'secret') {
        addKeysToPayload(payload, `Secret "${s.name}" (${where})`, lookupData(ctx, 'Secret', s.name), s.items, defaultMode, s.optional === true, where);
      } else {
        fail(`${where}: projected source "${kind}" is not emulated (only configMap and secret)`);
      }
    }
  }
  return payload;
}

/** pkg/volume/util/nested_volumes.go: mount points of other volumes nested below this volume's mount points */
function nestedMountpoints(ctx: PodContext, volName: string): string[] {
  const out: string[] = [];
  for (const { c } of allContainers(ctx)) {
    const all = (c.volumeMounts ?? []).map((m: any) => posix.normalize(m.mountPath)).sort();
    const mine = (c.volumeMounts ?? []).filter((m: any) => m.name === volName).map((m: any) => posix.normalize(m.mountPath));
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

/** pkg/volume/util/atomic_writer.go, first write */
function writeAtomic(dir: string, payload: Payload): void {
  const now = new Date();
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const ts = `..${now.getUTCFullYear()}_${pad(now.getUTCMonth() + 1)}_${pad(now.getUTCDate())}_`
    + `${pad(now.getUTCHours())}_${pad(now.getUTCMinutes())}_${pad(now.getUTCSeconds())}.${crypto.randomInt(1, 2 ** 31)}`;
  const tsDir = path.join(dir, ts);
  mkdirMode(tsDir, 0o755);
  for (const [p, { data, mode }] of payload) {
    const full = path.join(tsDir, p);
    mkdirsMode(tsDir, posix.dirname(p), 0o755);
    fs.writeFileSync(full, data, { mode });
    fs.chmodSync(full, mode);
  }
  fs.symlinkSync(ts, path.join(dir, '..data'));
  for (const p of payload.keys()) {
    const top = p.split('/')[0];
    const visible = path.join(dir, top);
    let exists = true;
    try {
      fs.lstatSync(visible);
    } catch {
      exists = false;
    }
    if (!exists) fs.symlinkSync(posix.join('..data', top), visible);
  }
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

function materialize(ctx: PodContext, resolveSubPathExpr?: (container: any) => (name: string) => string | undefined): Materialized {
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pod-runner-'));
  liveTempDirs.add(tempDir);
  try {
    const volumes = new Map<string, VolumeInfo>();
    const emptyDirs: Record<string, string> = {};
    const fsGroup: number | undefined = ctx.spec.securityContext?.fsGroup ?? undefined;
    const callerDirs = ctx.opts.emptyDirs ?? {};
    for (const vol of ctx.spec.volumes ?? []) {
      if (!vol?.name) fail(`${ctx.ref}: a volume without a name`);
      if (volumes.has(vol.name)) fail(`${ctx.ref}: duplicate volume "${vol.name}"`);
      const type = volumeType(vol);
      if (!SUPPORTED_VOLUME_TYPES.includes(type)) {
        volumes.set(vol.name, { name: vol.name, type, forcedReadOnly: false, supported: false });
        continue;
      }
      if (type === 'emptyDir') {
        const dir = hasOwn(callerDirs, vol.name) ? path.resolve(callerDirs[vol.name]) : path.join(tempDir, 'volumes', vol.name);
        fs.mkdirSync(dir, { recursive: true });
        fs.chmodSync(dir, 0o777);
        if (fsGroup !== undefined) applyFsGroup(dir, fsGroup, false);
        emptyDirs[vol.name] = dir;
        volumes.set(vol.name, { name: vol.name, type, hostDir: dir, forcedReadOnly: false, supported: true });
        continue;
      }
      const payload = buildPayload(ctx, vol, type);
      const dir = path.join(tempDir, 'volumes', vol.name);
      mkdirMode(dir, 0o777);
      for (const nested of nestedMountpoints(ctx, vol.name)) mkdirsMode(dir, nested, 0o755);
      writeAtomic(dir, payload);
      if (fsGroup !== undefined) applyFsGroup(dir, fsGroup, true);
      volumes.set(vol.name, { name: vol.name, type, hostDir: dir, forcedReadOnly: true, supported: true });
    }
    for (const name of Object.keys(callerDirs)) {
      if (!hasOwn(emptyDirs, name)) fail(`opts.emptyDirs names "${name}", which is not an emptyDir volume of ${ctx.ref}`);
    }

    const mounts = new Map<string, MountInfo[]>();
    for (const { c } of allContainers(ctx)) {
      const list: MountInfo[] = [];
      for (const vm of c.volumeMounts ?? []) {
        const where = `container "${c.name}" volumeMount "${vm.name}" at ${vm.mountPath}`;
        const volume = volumes.get(vm.name);
        if (!volume) fail(`${ctx.ref}: ${where} references a volume that is not defined`);
        const mountPath = cleanAbs(vm.mountPath, `${ctx.ref}: ${where}`);
        if (!volume.supported) {
          list.push({ volume, mountPath, hostPath: '', readOnly: true, isFile: false });
          continue;
        }
        let subPath: string | undefined = vm.subPath || undefined;
        if (vm.subPathExpr) {
          if (subPath) fail(`${ctx.ref}: ${where}: subPath and subPathExpr are mutually exclusive`);
          const lookup = resolveSubPathExpr ? resolveSubPathExpr(c) : () => undefined;
          subPath = expandKubernetesVars(vm.subPathExpr, lookup);
        }
        let hostPath = volume.hostDir!;
        if (subPath) {
          const rel = checkRelPath(subPath, `${ctx.ref}: ${where} subPath`);
          const candidate = path.join(volume.hostDir!, rel);
          // kubelet creates a missing subPath as a directory with the volume root's mode
          if (!fs.existsSync(candidate)) mkdirsMode(volume.hostDir!, rel, permBits(fs.statSync(volume.hostDir!).mode));
          hostPath = fs.realpathSync(candidate);
          const root = fs.realpathSync(volume.hostDir!);
          if (!isUnder(hostPath, root)) fail(`${ctx.ref}: ${where}: subPath "${subPath}" resolves outside the volume`);
        }
        list.push({
          volume,
          mountPath,
          hostPath,
          readOnly: vm.readOnly === true || volume.forcedReadOnly,
          isFile: !fs.statSync(hostPath).isDirectory(),
        });
      }
      mounts.set(c.name, list);
    }
    return { ctx, tempDir, volumes, emptyDirs, mounts, cleanup: () => removeTempDir(tempDir) };
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
  const m = materialize(ctx, c => {
    const env = resolveEnv(ctx, c, {});
    return name => env.get(name);
  });
  const mounts: Record<string, Record<string, string>> = {};
  for (const [name, list] of m.mounts) {
    mounts[name] = {};
    for (const mi of list) if (mi.volume.supported) mounts[name][mi.mountPath] = mi.hostPath;
  }
  const volumes: Record<string, string> = {};
  const unsupportedVolumes: Record<string, string> = {};
  for (const v of m.volumes.values()) {
    if (v.supported) volumes[v.name] = v.hostDir!;
    else unsupportedVolumes[v.name] = v.type;
  }
  return {
    tempDir: m.tempDir,
    volumes,
    emptyDirs: m.emptyDirs,
    mounts,
    unsupportedVolumes,
    hostPath(container: string, pathInContainer: string): string | undefined {
      const list = m.mounts.get(container);
      if (!list) fail(`${ctx.ref} has no container "${container}"`);
      const p = cleanAbs(pathInContainer, 'hostPath');
      let best: MountInfo | undefined;
      for (const mi of list) {
        if (mi.volume.supported && isUnder(p, mi.mountPath) && (!best || depth(mi.mountPath) >= depth(best.mountPath))) best = mi;
      }
      if (!best) return undefined;
      return p === best.mountPath ? best.hostPath : path.join(best.hostPath, posix.relative(best.mountPath, p));
    },
    cleanup: m.cleanup,
  };
}

// ---------------------------------------------------------------------------------------------
// env, command, security

/** kubelet makeEnvironmentVariables (without service links): ordered name -> value */
function resolveEnv(ctx: PodContext, c: any, extraEnv: Record<string, string>): Map<string, string> {
  const env = new Map<string, string>();
  const where = `${ctx.ref} container "${c.name}"`;
  for (const ef of c.envFrom ?? []) {
    const prefix = ef.prefix ?? '';
    const ref = ef.configMapRef ?? ef.secretRef;
    const kind = ef.configMapRef ? 'ConfigMap' : ef.secretRef ? 'Secret' : fail(`${where}: envFrom entry without configMapRef/secretRef`);
    const data = lookupData(ctx, kind, ref.name, true);
    if (!data) {
      if (ref.optional === true) continue;
      fail(`${where}: envFrom ${kind} "${ref.name}" not found (kubelet: CreateContainerConfigError)`);
    }
    for (const [k, v] of data) {
      if (k === '' || k.includes('=')) continue; // kubelet skips invalid names
      env.set(prefix + k, v.toString('utf8'));
    }
  }
  for (const e of c.env ?? []) {
    if (!e?.name) fail(`${where}: env entry without a name`);
    if (e.valueFrom) {
      const value = resolveValueFrom(ctx, where, e.name, e.valueFrom);
      if (value !== undefined) env.set(e.name, value);
    } else {
      env.set(e.name, expandKubernetesVars(String(e.value ?? ''), n => env.get(n)));
    }
  }
  for (const [k, v] of Object.entries(extraEnv)) env.set(k, v);
  return env;
}

function resolveValueFrom(ctx: PodContext, where: string, name: string, vf: any): string | undefined {
  const what = `${where} env ${name}`;
  if (vf.configMapKeyRef || vf.secretKeyRef) {
    const ref = vf.configMapKeyRef ?? vf.secretKeyRef;
    const kind = vf.configMapKeyRef ? 'ConfigMap' : 'Secret';
    const data = lookupData(ctx, kind, ref.name, true);
    if (!data) {
      if (ref.optional === true) return undefined;
      fail(`${what}: ${kind} "${ref.name}" not found (kubelet: CreateContainerConfigError)`);
    }
    const v = data.get(ref.key);
    if (v === undefined) {
      if (ref.optional === true) return undefined;
      fail(`${what}: couldn't find key "${ref.key}" in ${kind} ${ctx.namespace}/${ref.name}`);
    }
    return v.toString('utf8');
  }
  if (vf.fieldRef) {
    const fp: string = vf.fieldRef.fieldPath ?? '';
    const sub = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fp);
    if (sub) return (ctx.meta[sub[1]] ?? {})[sub[2]] ?? '';
    switch (fp) {
      case 'metadata.name': return ctx.podName;
      case 'metadata.namespace': return ctx.namespace;
      case 'metadata.uid': return ctx.uid;
      case 'spec.nodeName': return os.hostname();
      case 'spec.serviceAccountName': return ctx.spec.serviceAccountName ?? ctx.spec.serviceAccount ?? 'default';
      case 'status.hostIP': case 'status.podIP': case 'status.hostIPs': case 'status.podIPs': return '127.0.0.1';
      default: fail(`${what}: fieldRef "${fp}" is not emulated`);
    }
  }
  return fail(`${what}: valueFrom ${Object.keys(vf).join(', ')} is not emulated`);
}

interface Prepared {
  readonly name: string;
  readonly c: any;
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

function normalizeCap(cap: string): string {
  const c = String(cap).toLowerCase();
  return c.startsWith('cap_') ? c.slice(4) : c;
}

function prepareContainer(ctx: PodContext, opts: RunPodOptions, c: any, init: boolean, m: Materialized): Prepared {
  const where = `${ctx.ref} container "${c.name}"`;
  if (init && c.restartPolicy === 'Always') fail(`${where}: sidecar init containers (restartPolicy: Always) are not emulated`);
  if (c.lifecycle?.postStart) fail(`${where}: lifecycle.postStart hooks are not emulated`);
  if (c.volumeDevices?.length) fail(`${where}: volumeDevices are not emulated`);
  for (const mi of m.mounts.get(c.name) ?? []) {
    if (!mi.volume.supported) fail(`${where}: volume "${mi.volume.name}" (${mi.volume.type}) mounted at ${mi.mountPath} is not emulated (only ${SUPPORTED_VOLUME_TYPES.join(', ')})`);
  }
  const podSc = ctx.spec.securityContext ?? {};
  const sc = c.securityContext ?? {};
  if (sc.privileged === true) fail(`${where}: privileged containers are not emulated`);
  if ((podSc.sysctls ?? []).length) fail(`${ctx.ref}: pod sysctls are not emulated`);

  const img = imageConfig(opts, c.image);
  const env = resolveEnv(ctx, c, opts.extraEnv ?? {});
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

  // user / groups
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

  // capabilities, as containerd derives them from the default set and add/drop
  const add: string[] = (sc.capabilities?.add ?? []).map(normalizeCap);
  const drop: string[] = (sc.capabilities?.drop ?? []).map(normalizeCap);
  let caps = new Set<string>(DEFAULT_CAPS);
  if (add.includes('all')) caps = new Set(ALL_CAPS);
  if (drop.includes('all')) caps = new Set();
  for (const x of [...add, ...drop]) {
    if (x !== 'all' && !ALL_CAPS.includes(x)) fail(`${where}: unknown capability "${x}"`);
  }
  for (const x of add) if (x !== 'all') caps.add(x);
  for (const x of drop) caps.delete(x);

  // runtime env: image ENV, then the container's env, then what runtimes add
  const runtimeEnv = new Map<string, string>(Object.entries(img.env ?? {}));
  for (const [k, v] of env) runtimeEnv.set(k, v);
  if (!runtimeEnv.has('PATH')) runtimeEnv.set('PATH', DEFAULT_PATH);
  if (!runtimeEnv.has('HOSTNAME')) runtimeEnv.set('HOSTNAME', ctx.podName);
  if (!runtimeEnv.has('HOME')) runtimeEnv.set('HOME', uid === 0 ? '/root' : pw?.home || '/');

  return {
    name: c.name,
    c,
    argv,
    env: runtimeEnv,
    workingDir: cleanAbs(c.workingDir || img.workingDir || '/', `${where} workingDir`),
    uid,
    gid,
    groups,
    caps: [...caps],
    readOnlyRoot: sc.readOnlyRootFilesystem === true,
    terminationMessagePath: cleanAbs(c.terminationMessagePath || '/dev/termination-log', `${where} terminationMessagePath`),
    imageFiles: Object.entries(img.files ?? {}).map(([dest, src]) => ({ dest: cleanAbs(dest, `${where} image file`), src })),
  };
}

// ---------------------------------------------------------------------------------------------
// sandbox

type Op =
  | { t: 'bind'; src: string; dest: string; ro: boolean; file: boolean; label: string }
  | { t: 'tmpfs'; dest: string; mode: number; label: string }
  | { t: 'merge'; dest: string; mode: number }
  | { t: 'shadowDir'; src: string; dest: string };

/** the mount of `ops` that `p` lives on (ops are parent-first); undefined: the host root */
function coverOf(ops: Op[], p: string, before: number): Op | undefined {
  let cover: Op | undefined;
  for (let i = 0; i < before; i++) if (isUnder(p, ops[i].dest)) cover = ops[i];
  return cover;
}

function hostCanonical(p: string): string {
  let existing = p;
  while (existing !== '/' && !fs.existsSync(existing)) existing = posix.dirname(existing);
  const real = fs.realpathSync(existing);
  return existing === p ? real : posix.join(real, posix.relative(existing, p));
}

/**
 * bwrap arguments for a container's filesystem: private dirs, volume mounts (parent first),
 * shadows for missing file mount points, the termination log, read-only remounts.
 */
function sandboxArgs(m: Materialized, p: Prepared, privateDirs: string[], termLog: string, shadowRoot: string, devDir?: string): string[] {
  // canonical destinations: host symlinks (e.g. /var/run -> /run) on the host-covered part resolved, like bwrap will
  const canon: Array<{ dest: string; src: string; ro: boolean; file: boolean; label: string }> = [];
  const sorted = [...(m.mounts.get(p.name) ?? [])].sort((a, b) => depth(a.mountPath) - depth(b.mountPath));
  const privs = privateDirs.map(d => cleanAbs(d, 'privateDirs')).filter(d => !sorted.some(v => isUnder(d, v.mountPath)));
  for (const v of sorted) {
    const covered = privs.some(d => isUnder(v.mountPath, d)) || canon.some(c => isUnder(v.mountPath, c.dest) && c.dest !== v.mountPath);
    canon.push({
      dest: covered ? v.mountPath : hostCanonical(v.mountPath),
      src: v.hostPath,
      ro: v.readOnly,
      file: v.isFile,
      label: `volume "${v.volume.name}" (${v.volume.type})`,
    });
  }
  for (const f of p.imageFiles) {
    canon.push({ dest: hostCanonical(f.dest), src: f.src, ro: true, file: !fs.statSync(f.src).isDirectory(), label: `image file ${f.dest}` });
  }
  canon.push({ dest: p.terminationMessagePath, src: termLog, ro: false, file: true, label: 'terminationMessagePath' });
  canon.sort((a, b) => depth(a.dest) - depth(b.dest));

  const base: Op[] = [
    { t: 'tmpfs', dest: '/dev', mode: 0o755, label: '/dev' },
    { t: 'tmpfs', dest: '/proc', mode: 0o555, label: '/proc' },
    { t: 'tmpfs', dest: '/sys', mode: 0o555, label: '/sys' },
    ...privs.map(d => ({ t: 'tmpfs' as const, dest: d, mode: d === '/tmp' || d === '/var/tmp' ? 0o1777 : d === '/root' ? 0o700 : 0o755, label: d })),
  ];
  const volOps: Op[] = canon.map(c => ({ t: 'bind' as const, ...c }));

  // pass 1: missing file mount points on the host need a shadow of their parent
  const shadows = new Map<string, Op>();
  const pass1 = [...base, ...volOps];
  for (let i = base.length; i < pass1.length; i++) {
    const op = pass1[i] as Extract<Op, { t: 'bind' }>;
    if (!op.file || coverOf(pass1, op.dest, i) !== undefined || fs.existsSync(op.dest)) continue;
    const parent = posix.dirname(op.dest);
    if (parent === '/' || shadows.has(parent)) continue;
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(parent);
    } catch {
      st = undefined;
    }
    if (st?.isDirectory()) {
      shadows.set(parent, { t: 'merge', dest: parent, mode: permBits(st.mode) });
    } else if (!st) {
      const src = path.join(shadowRoot, String(shadows.size));
      mkdirMode(src, 0o755);
      shadows.set(parent, { t: 'shadowDir', src, dest: parent });
    }
  }
  const ops: Op[] = [...base, ...[...shadows.values(), ...volOps].sort((a, b) => depth(a.dest) - depth(b.dest))];

  // pass 2: checks the runtime would fail on
  for (let i = base.length; i < ops.length; i++) {
    const op = ops[i];
    if (op.t !== 'bind') continue;
    const cover = coverOf(ops, op.dest, i);
    if (cover?.t !== 'bind') continue;
    if (cover.file) fail(`container "${p.name}": cannot mount ${op.label} at ${op.dest}: it is below a file mount (${cover.dest})`);
    const physical = path.join(cover.src, posix.relative(cover.dest, op.dest));
    if (!fs.existsSync(physical)) {
      if (cover.ro) {
        fail(`container "${p.name}": cannot mount ${op.label} at ${op.dest}: the mount point does not exist inside the read-only `
          + `mount ${cover.dest} (${cover.label}); a real container runtime fails too ("read-only file system")`);
      }
    } else if (fs.statSync(physical).isDirectory() === op.file) {
      fail(`container "${p.name}": cannot mount ${op.label} at ${op.dest}: the mount point inside ${cover.dest} (${cover.label}) is a `
        + `${op.file ? 'directory' : 'file'} (kubelet creates nested mount points as directories)`);
    }
  }

  const args: string[] = ['--dev-bind', '/', '/'];
  if (devDir) args.push('--dev-bind', devDir, '/dev', '--perms', '1777', '--tmpfs', '/dev/shm');
  else args.push('--dev', '/dev');
  args.push('--proc', '/proc', '--ro-bind', '/sys', '/sys');
  const remount: string[] = ['/'];
  for (const op of ops.slice(3)) {
    switch (op.t) {
      case 'tmpfs':
        args.push('--perms', octal(op.mode), '--tmpfs', op.dest);
        remount.push(op.dest);
        break;
      case 'merge':
        args.push('--perms', octal(op.mode), '--tmpfs', op.dest);
        remount.push(op.dest);
        for (const e of fs.readdirSync(op.dest, { withFileTypes: true })) {
          const child = posix.join(op.dest, e.name);
          if (e.isSymbolicLink()) {
            args.push('--symlink', fs.readlinkSync(child), child);
          } else {
            args.push('--dev-bind', child, child);
            // (a volume mounted right there is the top mount at that path and must keep its own flags)
            if (!volOps.some(v => v.dest === child)) remount.push(child);
          }
        }
        break;
      case 'shadowDir':
        // --dir: bwrap would create missing parents of a bind destination with mode 0700; runtimes use 0755
        args.push('--dir', op.dest, '--bind', op.src, op.dest);
        remount.push(op.dest);
        break;
      case 'bind':
        args.push('--dir', op.file ? posix.dirname(op.dest) : op.dest, op.ro ? '--ro-bind' : '--bind', op.src, op.dest);
        break;
    }
  }
  const wdCover = coverOf(ops, p.workingDir, ops.length);
  let wdExists: boolean;
  if (wdCover === undefined || wdCover.t === 'merge') wdExists = fs.existsSync(p.workingDir);
  else if (wdCover.t === 'bind' || wdCover.t === 'shadowDir') wdExists = fs.existsSync(path.join(wdCover.src, posix.relative(wdCover.dest, p.workingDir)));
  else wdExists = wdCover.dest === p.workingDir;
  if (!wdExists) args.push('--dir', p.workingDir);
  if (p.readOnlyRoot) for (const r of remount) args.push('--remount-ro', r);
  return args;
}

interface ProcessOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
}

/** A FIFO next to `logFile`: the write end's fd for the child, a stream on the read end for us. */
function fifo(logFile: string, name: string): [number, net.Socket] {
  const file = `${logFile}.${name}.fifo`;
  fs.rmSync(file, { force: true });
  // Any user of the container may reopen it (nginx as uid 101); it is unlinked at once, so only the child's fds reach it.
  execFileSync('mkfifo', ['-m', '666', file]);
  // eslint-disable-next-line no-bitwise
  const readFd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const writeFd = fs.openSync(file, fs.constants.O_WRONLY);
  fs.rmSync(file);
  return [writeFd, new net.Socket({ fd: readFd, readable: true, writable: false })];
}

/**
 * Run bwrap (in its own process group) with `--info-fd 3` prepended, so that an abort can signal
 * the container's main process only, as a runtime signals the container's PID 1.
 */
function runProcess(bwrapArgs: string[], logFile: string, timeoutMs: number, signal?: AbortSignal): Promise<ProcessOutcome> {
  return new Promise((resolve, reject) => {
    const log = fs.createWriteStream(logFile);
    // stdout and stderr are FIFOs, as a container runtime gives them: a program can open
    // /dev/stdout (nginx logs there), which fails with ENXIO on the sockets Node's 'pipe' makes.
    const [stdoutFd, stdoutStream] = fifo(logFile, 'stdout');
    const [stderrFd, stderrStream] = fifo(logFile, 'stderr');
    const child = spawn('bwrap', ['--info-fd', '3', ...bwrapArgs], {
      detached: true,
      stdio: ['ignore', stdoutFd, stderrFd, 'pipe'],
      env: { PATH: DEFAULT_PATH },
    });
    fs.closeSync(stdoutFd);
    fs.closeSync(stderrFd);
    let info = '';
    let mainPid: number | undefined;
    (child.stdio[3] as NodeJS.ReadableStream | null)?.on('data', (d: Buffer) => {
      info += d.toString('utf8');
      const m = /"child-pid"\s*:\s*(\d+)/.exec(info);
      if (m) mainPid = Number(m[1]);
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let aborted = false;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    const finish = (code: number | null, sig: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      signal?.removeEventListener('abort', onAbort);
      const exitCode = code !== null ? code : 128 + (sig ? os.constants.signals[sig] ?? 0 : 0);
      log.end(() => resolve({
        exitCode,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        aborted,
      }));
    };
    const forceFinish = () => {
      // the sandbox is gone but something still holds the pipes: give up on them
      timers.push(setTimeout(() => {
        stdoutStream.destroy();
        stderrStream.destroy();
        finish(137, null);
      }, 5_000));
    };
    const onAbort = () => {
      aborted = true;
      if (mainPid !== undefined) {
        try {
          process.kill(mainPid, 'SIGTERM');
        } catch {
          // already gone
        }
      } else {
        killGroup('SIGTERM');
      }
      timers.push(setTimeout(() => {
        killGroup('SIGKILL');
        forceFinish();
      }, ABORT_GRACE_MS));
    };
    stdoutStream.on('data', (d: Buffer) => {
      out.push(d); log.write(d);
    });
    stderrStream.on('data', (d: Buffer) => {
      err.push(d); log.write(d);
    });
    child.on('error', e => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      log.end();
      reject(e);
    });
    // Done when the process has exited and both FIFOs have delivered everything (every writer,
    // daemons the container started included, has closed them).
    let exited: [number | null, NodeJS.Signals | null] | undefined;
    let open = 2;
    const maybeFinish = () => {
      if (exited && open === 0) finish(...exited);
    };
    for (const stream of [stdoutStream, stderrStream]) {
      stream.on('close', () => {
        open--;
        maybeFinish();
      });
    }
    child.on('exit', (code, sig) => {
      exited = [code, sig];
      maybeFinish();
    });
    timers.push(setTimeout(() => {
      timedOut = true;
      killGroup('SIGKILL');
      forceFinish();
    }, timeoutMs));
    if (signal) {
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
  });
}

/**
 * A container's own /dev, as runc makes it: real device nodes (not bind mounts of the host's, so that
 * e.g. a tool that replaces /dev/null by renaming a file onto it behaves as in a container and cannot
 * touch the host's), standard symlinks, /dev/shm (a tmpfs, added by sandboxArgs). No /dev/pts.
 * Returns undefined when device nodes do not work there (nodev file system): bwrap's `--dev` is used then.
 */
async function makeDevDir(dir: string): Promise<string | undefined> {
  fs.mkdirSync(dir, { mode: 0o755 });
  fs.chmodSync(dir, 0o755);
  const nodes: Array<[string, number, number]> = [['null', 1, 3], ['zero', 1, 5], ['full', 1, 7], ['random', 1, 8], ['urandom', 1, 9], ['tty', 5, 0]];
  const script = nodes.map(([n, major, minor]) => `mknod -m 666 ${n} c ${major} ${minor}`).join(' && ');
  const code = await new Promise<number | null>(res => {
    const c = spawn('sh', ['-c', script], { cwd: dir, stdio: 'ignore', env: { PATH: DEFAULT_PATH } });
    c.on('error', () => res(1));
    c.on('close', res);
  });
  try {
    if (code !== 0) throw new Error('mknod failed');
    fs.writeFileSync(path.join(dir, 'null'), 'x'); // EACCES on a nodev file system
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  for (const [name, target] of [['fd', '/proc/self/fd'], ['stdin', '/proc/self/fd/0'], ['stdout', '/proc/self/fd/1'], ['stderr', '/proc/self/fd/2'], ['core', '/proc/kcore']]) {
    fs.symlinkSync(target, path.join(dir, name));
  }
  mkdirMode(path.join(dir, 'shm'), 0o1777);
  return dir;
}

/** what kubelet reports as the termination message (FallbackToLogsOnError: last 80 lines / 2048 bytes of the log) */
function terminationMessage(p: Prepared, file: string, logFile: string, exitCode: number): string {
  const msg = fs.readFileSync(file, 'utf8');
  if (msg !== '' || exitCode === 0 || p.c.terminationMessagePolicy !== 'FallbackToLogsOnError') return msg;
  const tail = fs.readFileSync(logFile, 'utf8').replace(/\n$/, '').split('\n').slice(-80).join('\n');
  return Buffer.from(tail).subarray(-2048).toString('utf8');
}

let setprivPath: string | undefined;
/** checks the host can run pods; returns the absolute path of setpriv (the container's PATH may not contain it) */
function preflight(): string {
  if (setprivPath) return setprivPath;
  if (process.platform !== 'linux') fail('pod-runner needs Linux (bubblewrap)');
  if (process.getuid?.() !== 0) fail('pod-runner must run as root (bwrap mounts, setpriv, chown for fsGroup)');
  if (!findExecutable('bwrap')) fail('pod-runner needs "bwrap" (bubblewrap) on PATH');
  setprivPath = findExecutable('setpriv') ?? fail('pod-runner needs "setpriv" (util-linux) on PATH');
  return setprivPath;
}

/**
 * Run the pod template's containers sequentially (default: init containers, then containers), each in a
 * bubblewrap sandbox built the way kubelet + containerd would build the container, stopping after the first
 * failing one. Throws PodRunnerError (before running anything) for what it cannot resolve or emulate.
 */
export async function runPod(opts: RunPodOptions): Promise<RunPodResult> {
  const setprivBin = preflight();
  const ctx = loadPod(opts);
  const all = allContainers(ctx);
  const names = opts.containers ?? all.map(x => x.c.name);
  const selected = names.map(n => all.find(x => x.c.name === n)
    ?? fail(`${ctx.ref} has no container "${n}" (has: ${all.map(x => x.c.name).join(', ')})`));
  const m = materialize(ctx, c => {
    const env = resolveEnv(ctx, c, opts.extraEnv ?? {});
    return name => env.get(name);
  });
  let prepared: Prepared[];
  try {
    prepared = selected.map(x => prepareContainer(ctx, opts, x.c, x.init, m));
  } catch (e) {
    m.cleanup();
    throw e;
  }
  const volumes: Record<string, string> = {};
  for (const v of m.volumes.values()) if (v.supported) volumes[v.name] = v.hostDir!;
  const results: ContainerResult[] = [];
  const privateDirs = opts.privateDirs ?? DEFAULT_PRIVATE_DIRS;
  const logs = path.join(m.tempDir, 'logs');
  fs.mkdirSync(logs, { recursive: true });
  let exitCode = 0;
  let failedContainer: string | undefined;
  try {
    for (const [i, p] of prepared.entries()) {
      if (opts.signal?.aborted) break;
      const stem = path.join(logs, `${i}-${p.name}`);
      const termLog = `${stem}.termination-log`;
      fs.writeFileSync(termLog, '');
      fs.chmodSync(termLog, 0o666);
      const shadowRoot = `${stem}.shadows`;
      const fsArgs = sandboxArgs(m, p, privateDirs, termLog, shadowRoot, await makeDevDir(`${stem}.dev`));
      const nsArgs = ['--die-with-parent', '--unshare-uts', '--hostname', ctx.podName];
      // the command is PID 1 of its own PID namespace, as in a container (signals without a handler are ignored)
      if (!ctx.spec.hostPID) nsArgs.push('--unshare-pid', '--as-pid-1');
      if (!ctx.spec.hostIPC) nsArgs.push('--unshare-ipc');
      const envArgs: string[] = ['--clearenv'];
      for (const [k, v] of p.env) envArgs.push('--setenv', k, v);
      const setpriv = [
        setprivBin, '--reuid', String(p.uid), '--regid', String(p.gid),
        ...(p.groups.length ? ['--groups', p.groups.join(',')] : ['--clear-groups']),
        '--inh-caps=-all', '--ambient-caps=-all',
        `--bounding-set=${['-all', ...p.caps.map(x => `+${x}`)].join(',')}`,
        '--',
      ];
      const bwrapArgs = [...nsArgs, ...fsArgs, '--chdir', p.workingDir, ...envArgs, '--', ...setpriv, ...p.argv];
      fs.writeFileSync(`${stem}.bwrap-args.json`, JSON.stringify(bwrapArgs, null, 1));
      const start = Date.now();
      const outcome = await runProcess(bwrapArgs, `${stem}.log`, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, opts.signal);
      results.push({
        name: p.name,
        exitCode: outcome.exitCode,
        stdout: outcome.stdout,
        stderr: outcome.stderr,
        durationMs: Date.now() - start,
        timedOut: outcome.timedOut,
        aborted: outcome.aborted,
        argv: p.argv,
        logFile: `${stem}.log`,
        terminationMessage: terminationMessage(p, termLog, `${stem}.log`, outcome.exitCode),
      });
      if (outcome.exitCode !== 0) {
        exitCode = outcome.exitCode;
        failedContainer = p.name;
        break;
      }
    }
  } catch (e) {
    m.cleanup();
    throw e;
  }
  return { results, exitCode, failedContainer, emptyDirs: m.emptyDirs, volumes, tempDir: m.tempDir, cleanup: m.cleanup };
}
