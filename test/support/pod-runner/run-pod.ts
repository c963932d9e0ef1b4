import * as fs from 'fs';
import * as path from 'path';
import { Prepared, prepareContainer } from './container';
import { makeDevDir } from './dev-dir';
import { fail } from './errors';
import { preflight } from './host';
import { allContainers, loadPod, PodContainer, PodContext } from './manifests';
import { Materialized, materialize } from './materialize';
import { runProcess } from './process';
import { sandboxArgs } from './sandbox';
import { ContainerResult, RunPodOptions, RunPodResult } from './types';
import { supportedVolumeDirs } from './volumes';

const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_PRIVATE_DIRS = ['/tmp', '/var/tmp', '/root', '/run'];

/** what kubelet reports as the termination message (FallbackToLogsOnError: last 80 lines / 2048 bytes of the log) */
function terminationMessage(p: Prepared, file: string, logFile: string, exitCode: number): string {
  const msg = fs.readFileSync(file, 'utf8');
  if (msg !== '' || exitCode === 0 || p.c.terminationMessagePolicy !== 'FallbackToLogsOnError') return msg;
  const tail = fs.readFileSync(logFile, 'utf8').replace(/\n$/, '').split('\n').slice(-80).join('\n');
  return Buffer.from(tail).subarray(-2048).toString('utf8');
}

/** the containers to run, in order: `opts.containers`, else all init containers then all containers */
function selectContainers(ctx: PodContext, opts: RunPodOptions): PodContainer[] {
  const all = allContainers(ctx);
  const names = opts.containers ?? all.map(x => x.c.name);
  return names.map(n => all.find(x => x.c.name === n)
    ?? fail(`${ctx.ref} has no container "${n}" (has: ${all.map(x => x.c.name).join(', ')})`));
}

/** namespaces, environment and the setpriv wrapper (user, groups, capabilities) around the container's argv */
function processArgs(ctx: PodContext, p: Prepared, setprivBin: string): { nsArgs: string[]; envArgs: string[]; command: string[] } {
  const nsArgs = ['--die-with-parent', '--unshare-uts', '--hostname', ctx.podName];
  // the command is PID 1 of its own PID namespace, as in a container (signals without a handler are ignored)
  if (!ctx.spec.hostPID) nsArgs.push('--unshare-pid', '--as-pid-1');
  if (!ctx.spec.hostIPC) nsArgs.push('--unshare-ipc');
  const envArgs: string[] = ['--clearenv'];
  for (const [k, v] of p.env) envArgs.push('--setenv', k, v);
  const command = [
    setprivBin, '--reuid', String(p.uid), '--regid', String(p.gid),
    ...(p.groups.length ? ['--groups', p.groups.join(',')] : ['--clear-groups']),
    '--inh-caps=-all', '--ambient-caps=-all',
    `--bounding-set=${['-all', ...p.caps.map(x => `+${x}`)].join(',')}`,
    '--',
    ...p.argv,
  ];
  return { nsArgs, envArgs, command };
}

/** a pod being run: its source, its materialized volumes and the host's setpriv */
interface PodRun {
  readonly ctx: PodContext;
  readonly opts: RunPodOptions;
  readonly m: Materialized;
  readonly setprivBin: string;
}

/** run one prepared container in its sandbox; its files are `<stem>.*` */
async function runContainer({ ctx, opts, m, setprivBin }: PodRun, p: Prepared, stem: string): Promise<ContainerResult> {
  const termLog = `${stem}.termination-log`;
  fs.writeFileSync(termLog, '');
  fs.chmodSync(termLog, 0o666);
  const privateDirs = opts.privateDirs ?? DEFAULT_PRIVATE_DIRS;
  const fsArgs = sandboxArgs(m.mounts.get(p.name) ?? [], p, privateDirs, termLog, `${stem}.shadows`, await makeDevDir(`${stem}.dev`));
  const { nsArgs, envArgs, command } = processArgs(ctx, p, setprivBin);
  const bwrapArgs = [...nsArgs, ...fsArgs, '--chdir', p.workingDir, ...envArgs, '--', ...command];
  fs.writeFileSync(`${stem}.bwrap-args.json`, JSON.stringify(bwrapArgs, null, 1));
  const start = Date.now();
  const outcome = await runProcess(bwrapArgs, `${stem}.log`, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, opts.signal);
  return {
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
  };
}

/** run the prepared containers in order until one fails or `opts.signal` aborts */
async function runSequentially(run: PodRun, prepared: Prepared[]): Promise<ContainerResult[]> {
  const logs = path.join(run.m.tempDir, 'logs');
  fs.mkdirSync(logs, { recursive: true });
  const results: ContainerResult[] = [];
  for (const [i, p] of prepared.entries()) {
    if (run.opts.signal?.aborted) break;
    const result = await runContainer(run, p, path.join(logs, `${i}-${p.name}`));
    results.push(result);
    if (result.exitCode !== 0) break;
  }
  return results;
}

/** `fn`, removing the pod's temp dir when it throws */
async function cleaningUpOnError<T>(m: Materialized, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    m.cleanup();
    throw e;
  }
}

/**
 * Run the pod template's containers sequentially (default: init containers, then containers), each in a
 * bubblewrap sandbox built the way kubelet + containerd would build the container, stopping after the first
 * failing one. Throws PodRunnerError (before running anything) for what it cannot resolve or emulate.
 */
export async function runPod(opts: RunPodOptions): Promise<RunPodResult> {
  const setprivBin = preflight();
  const ctx = loadPod(opts);
  const selected = selectContainers(ctx, opts);
  const m = materialize(ctx, opts.extraEnv ?? {});
  const prepared = await cleaningUpOnError(m, () => selected.map(x => prepareContainer(ctx, opts, x, m.mounts.get(x.c.name) ?? [])));
  const results = await cleaningUpOnError(m, () => runSequentially({ ctx, opts, m, setprivBin }, prepared));
  const failed = results.find(r => r.exitCode !== 0);
  return {
    results,
    exitCode: failed?.exitCode ?? 0,
    failedContainer: failed?.name,
    emptyDirs: m.emptyDirs,
    volumes: supportedVolumeDirs(m.volumes),
    tempDir: m.tempDir,
    cleanup: m.cleanup,
  };
}
