import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Duration, Testing } from 'cdk8s';
import { runPod } from './pod-runner';
import { AptlyConfig, ImageBuilder, MiniMirror, MirrorImageOptions, MirrorSource, PreviousManifest, ReleaseSigning, RollbackTarget, UpstreamKey } from '../../src';

export interface RunResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly input?: string;
  /** Kill the process after this long. @default 120000 */
  readonly timeoutMs?: number;
}

/**
 * Runs a command asynchronously (never blocks the event loop: the fake upstream server runs in
 * the same process) and collects its output. Never throws on a non-zero exit.
 */
export async function runCommand(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        exitCode: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // the child may exit without reading its input
      child.stdin.end(options.input);
    }
  });
}

/** Like runCommand, but throws (with the output) on a non-zero exit. */
export async function runChecked(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await runCommand(cmd, args, options);
  if (result.exitCode !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${result.exitCode}\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/** One `<prefix>/<name>` source, as the build sees it (source.txt, packages.txt, aptly.conf, build.json entry). */
export interface BuildSourceSpec {
  readonly prefix: string;
  readonly name: string;
  readonly url: string;
  readonly keyUrl: string;
  readonly distribution: string;
  readonly components: readonly string[];
  /** Lines of packages.txt. */
  readonly packages: readonly string[];
  /** The source's own aptly.conf (replaces the default). */
  readonly aptlyConf?: Record<string, unknown>;
  /** @default [] */
  readonly architectures?: readonly string[];
  /** @default true */
  readonly verify?: boolean;
  /** @default [] */
  readonly fingerprints?: readonly string[];
  /** @default true */
  readonly dependencyGate?: boolean;
  readonly origin?: string | null;
  readonly label?: string | null;
  readonly suite?: string | null;
  /** @default derived from the distribution */
  readonly world?: string;
  /** Flat repositories: the distribution they are published under. @default the name */
  readonly publishDistribution?: string;
  /** @default false */
  readonly allowBroadQueries?: boolean;
  /** @default false */
  readonly allowDowngrade?: boolean;
  /** @default true without fingerprints: the fake upstreams serve their keys over http on loopback */
  readonly insecureKeyUrl?: boolean;
  /** MirrorSourceProps.allowDistributionMismatch. @default false */
  readonly allowDistributionMismatch?: boolean;
  /** MirrorSourceProps.key: the upstream key instead of keyUrl (which is then ignored). @default keyUrl */
  readonly key?: UpstreamKey;
}

export type BuildSigningSpec =
  | { readonly mode: 'key'; readonly privateKey: string; readonly publicKey: string; readonly passphrase?: string; readonly fingerprint: string }
  | { readonly mode: 'unsigned' };

export interface BuildSpec {
  readonly sources: readonly BuildSourceSpec[];
  readonly signing: BuildSigningSpec;
  /** @default 2 */
  readonly concurrency?: number;
  /** @default 2 */
  readonly retries?: number;
  /** build/aptly.conf; 'product': MiniMirror's own default (AptlyConfig.fromProps()). @default { architectures: ['amd64', 'arm64'] } */
  readonly defaultAptlyConf?: Record<string, unknown> | 'product';
  /** Reuse this directory (e.g. a second build into the same workspace). @default a new temp dir */
  readonly rootDir?: string;
  /** @default 240000 */
  readonly timeoutMs?: number;
  /** Mirror-wide architectures. @default MiniMirror's default (amd64) */
  readonly architectures?: readonly string[];
  /** Stall timeout of downloads. @default MiniMirror's default */
  readonly stallTimeoutSeconds?: number;
  /** The serving image. @default { repository: 'registry.example.com/mini-mirror' } */
  readonly image?: MirrorImageOptions;
  /** How the image step builds it. @default MiniMirror's default */
  readonly imageBuilder?: ImageBuilder;
  /** @default none */
  readonly refreshEpoch?: string;
  /** MiniMirrorProps.recommends. @default MiniMirror's default (true) */
  readonly recommends?: boolean;
  /**
   * Where the build reads the previous manifest. @default PreviousManifest.none() (the product's
   * default, the Service's in-cluster URL, does not resolve in the pod runner)
   */
  readonly previousManifest?: PreviousManifest;
  /** MiniMirrorProps.validFor. @default none */
  readonly validFor?: Duration;
  /** More Secrets the pod sees, by name (e.g. one an `UpstreamKey.fromSecret` names). @default none */
  readonly secrets?: Record<string, Record<string, string | Buffer>>;
  /**
   * ConfigMaps of the user's that the cluster holds (e.g. one an `UpstreamKey.fromConfigMap`
   * names), by name; Buffers become binaryData. @default none
   */
  readonly configMaps?: Record<string, Record<string, string | Buffer>>;
  /** BuildOptions.rollbackTo. @default none */
  readonly rollbackTo?: RollbackTarget;
}

export interface BuildResult extends RunResult {
  /** The directory holding the workspace. Remove it when done. */
  readonly rootDir: string;
  /** The host directory behind the Job's `workspace` emptyDir. */
  readonly workspace: string;
  /** `<workspace>/public`: exists only after a successful build. */
  readonly publicDir: string;
  /** The content hash the construct computed (and wrote into build.json). */
  readonly contentHash: string;
  /** The build identity the construct computed (and wrote into build.json). */
  readonly buildIdentity: string;
  /** The image reference the image step pushes. */
  readonly imageRef: string;
  /** Every object the construct synthesized. */
  readonly manifests: any[];
  /** Wall time of the build pod alone (the Job's run; synth excluded), ms. */
  readonly podMs: number;
  /**
   * Wall time of the mirror container's process, from its command's start to its exit (the pod
   * runner's volume and sandbox setup excluded, which a cluster's kubelet does), ms.
   */
  readonly containerMs: number;
}

const SECRET_NAME = 'mirror-signing';

/** The MiniMirror that a BuildSpec describes, synthesized. */
export function synthesizeBuild(spec: BuildSpec): { mirror: MiniMirror; manifests: any[] } {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'apt-mirror' });
  const sources = spec.sources.map((s) => new MirrorSource({
    prefix: s.prefix,
    name: s.name,
    url: s.url,
    keyUrl: s.key ? undefined : s.keyUrl,
    key: s.key,
    distribution: s.distribution,
    components: [...s.components],
    packages: [...s.packages],
    aptlyConfig: s.aptlyConf ? AptlyConfig.fromJson(s.aptlyConf, `${s.prefix}/${s.name} aptly.conf`) : undefined,
    architectures: s.architectures ? [...s.architectures] : undefined,
    insecureSkipUpstreamVerification: s.verify === false,
    keyFingerprints: s.fingerprints ? [...s.fingerprints] : undefined,
    allowMissingDependencies: s.dependencyGate === false,
    origin: s.origin ?? undefined,
    label: s.label ?? undefined,
    suite: s.suite ?? undefined,
    world: s.world,
    publishDistribution: s.publishDistribution,
    allowBroadQueries: s.allowBroadQueries,
    allowDowngrade: s.allowDowngrade,
    insecureKeyUrl: s.insecureKeyUrl ?? !s.fingerprints?.length,
    allowDistributionMismatch: s.allowDistributionMismatch,
  }));
  const signing = spec.signing.mode === 'unsigned'
    ? ReleaseSigning.insecureUnsigned()
    : ReleaseSigning.fromSecret({
      secretName: SECRET_NAME,
      publicKey: spec.signing.publicKey,
      passphraseKey: spec.signing.passphrase === undefined ? undefined : 'passphrase',
    });
  const mirror = new MiniMirror(chart, 'mirror', {
    sources,
    signing,
    image: spec.image ?? { repository: 'registry.example.com/mini-mirror' },
    refreshEpoch: spec.refreshEpoch,
    recommends: spec.recommends,
    validFor: spec.validFor,
    defaultAptlyConfig: spec.defaultAptlyConf === 'product' ? undefined
      : AptlyConfig.fromJson(spec.defaultAptlyConf ?? { architectures: ['amd64', 'arm64'] }, 'default aptly.conf'),
    architectures: spec.architectures ? [...spec.architectures] : undefined,
    buildJob: {
      concurrency: spec.concurrency ?? 2,
      retries: spec.retries ?? 2,
      stallTimeout: spec.stallTimeoutSeconds === undefined ? undefined : Duration.seconds(spec.stallTimeoutSeconds),
      imageBuilder: spec.imageBuilder,
      previousManifest: spec.previousManifest ?? PreviousManifest.none(),
      rollbackTo: spec.rollbackTo,
    },
  });
  return { mirror, manifests: Testing.synth(chart) };
}

/**
 * Synthesizes the MiniMirror that `spec` describes and runs its build Job's mirror step through
 * the pod runner: the synthesized ConfigMaps, the signing Secret and the workspace emptyDir at
 * their mount paths, the Job's env and command. This is the one place that knows how the build
 * is run.
 */
export async function runBuild(spec: BuildSpec): Promise<BuildResult> {
  const rootDir = spec.rootDir ?? await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mm-build-'));
  const workspace = path.join(rootDir, 'workspace');
  await fs.promises.mkdir(workspace, { recursive: true });
  const { mirror, manifests } = synthesizeBuild(spec);

  const secret: Record<string, string> = {};
  if (spec.signing.mode === 'key') {
    secret['signing-key.asc'] = spec.signing.privateKey;
    if (spec.signing.passphrase !== undefined) secret.passphrase = spec.signing.passphrase;
  }
  const podStarted = Date.now();
  const pod = await runPod({
    manifests: [...manifests, ...userConfigMaps(spec.configMaps ?? {})],
    kind: 'Job',
    name: mirror.buildJob.jobName,
    containers: ['mirror'],
    secrets: { ...spec.secrets, ...(spec.signing.mode === 'key' ? { [SECRET_NAME]: secret } : {}) },
    emptyDirs: { workspace },
    timeoutMs: spec.timeoutMs ?? 240_000,
  });
  const podMs = Date.now() - podStarted;
  const result = pod.results[0];
  pod.cleanup();
  return {
    exitCode: result.exitCode,
    stdout: result.stdout,
    stderr: result.stderr,
    rootDir,
    workspace,
    publicDir: path.join(workspace, 'public'),
    contentHash: mirror.contentHash,
    buildIdentity: mirror.buildIdentity,
    imageRef: mirror.imageRef,
    manifests,
    podMs,
    containerMs: result.durationMs,
  };
}

/** Removes a build's directory. */
export async function removeBuild(rootDir: string): Promise<void> {
  await fs.promises.rm(rootDir, { recursive: true, force: true });
}

/** ConfigMap objects as a cluster would hold them: text in data, Buffers base64 in binaryData. */
function userConfigMaps(maps: Record<string, Record<string, string | Buffer>>): any[] {
  return Object.entries(maps).map(([name, entries]) => {
    const data: Record<string, string> = {};
    const binaryData: Record<string, string> = {};
    for (const [key, value] of Object.entries(entries)) {
      if (typeof value === 'string') data[key] = value;
      else binaryData[key] = value.toString('base64');
    }
    return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'apt-mirror' }, data, binaryData };
  });
}
