// aptly for one source: its own rootDir and config (aptly allows one process per rootDir), its
// output appended to the source's log, its error lines kept for messages; a panic or a full disk
// fails the build with an explanation instead of a stack trace or a retry.
import * as fs from 'fs';
import * as path from 'path';
import { explainPanic } from './panics';
import { BuildError, ChildProcesses, errorLines } from '../proc';
import { diskFullError, saysDiskFull } from '../workspace-room';

/** What `Aptly.task` did: how many commands succeeded, their outputs, the failed one's error. */
export interface TaskResult {
  readonly completed: number;
  readonly outputs: string[];
  readonly error?: string;
}

/**
 * Arguments of one `aptly task run` at most, in bytes: well below the kernel's limit for a
 * command line with its environment (ARG_MAX, 2 MiB by default), which filters of many queries
 * (each up to 96 KiB, see filterChunks) would reach in one task.
 */
export const TASK_ARG_BYTES = 512 * 1024;

/** Consecutive commands grouped into tasks of at most `maxBytes` of arguments (a larger command alone). */
export function taskBatches(commands: ReadonlyArray<readonly string[]>, maxBytes = TASK_ARG_BYTES): Array<ReadonlyArray<readonly string[]>> {
  const batches: Array<Array<readonly string[]>> = [];
  let bytes = 0;
  for (const c of commands) {
    const size = c.reduce((n, a) => n + Buffer.byteLength(a) + 2, 0);
    if (!batches.length || bytes + size > maxBytes) {
      batches.push([]);
      bytes = 0;
    }
    batches[batches.length - 1].push(c);
    bytes += size;
  }
  return batches;
}

/** An aptly mirror of the loopback cache. */
export interface MirrorSpec {
  readonly name: string;
  readonly url: string;
  readonly distribution: string;
  readonly component?: string;
  readonly force: boolean;
  readonly filter: string;
  readonly withDeps: boolean;
  readonly retries: number;
}

export class Aptly {
  constructor(
    public readonly config: string,
    private readonly gnupgHome: string,
    private readonly logFile: string,
    /** The build's child processes, which aptly runs among. */
    private readonly procs: ChildProcesses,
  ) {}

  /** Whether the build is stopping: its processes, aptly's among them, were stopped. */
  public get stopping(): boolean {
    return this.procs.stopping;
  }

  /** Runs aptly; resolves with its output, or throws a BuildError starting with `failure`. */
  public async run(args: readonly string[], failure: string,
    opts: { gnupgHome?: string; allowFail?: boolean } = {}): Promise<{ code: number; output: string }> {
    const started = Date.now();
    const r = await this.procs.run('aptly', [`-config=${this.config}`, ...args], {
      env: {
        ...process.env,
        GNUPGHOME: opts.gnupgHome ?? this.gnupgHome,
        NO_PROXY: addLoopback(process.env.NO_PROXY),
        no_proxy: addLoopback(process.env.no_proxy),
      },
    });
    const output = r.stdout + r.stderr;
    await fs.promises.appendFile(this.logFile, `$ aptly ${args.map(a => a.length > 200 ? `${a.slice(0, 200)}...` : a).join(' ')}  (${Date.now() - started} ms)\n${output}\n`);
    // A crash or a full disk is never a result a caller retries or reads: it fails the build here.
    const panic = r.code !== 0 ? explainPanic(output, args) : undefined;
    if (panic) throw new BuildError(`${failure || 'aptly failed'}: ${panic}`, output);
    if (r.code !== 0 && await saysDiskFull(output, this.rootDir())) throw await diskFullError(this.rootDir(), `aptly ${args.filter(a => !a.startsWith('-')).slice(0, 2).join(' ')} failed`, this.procs);
    if (r.code !== 0 && !opts.allowFail) throw new BuildError(`${failure}: ${errorLines(output)}`, output);
    return { code: r.code, output };
  }

  /**
   * `mirror create` from the loopback cache. aptly checks no signature itself: the runner has
   * verified the Release with gpgv, aptly reads exactly that text (UpstreamCache.pin) and checks
   * every index and package against its checksums; a check in every aptly run would cost a few
   * gpg processes each.
   */
  public async createMirror(m: MirrorSpec, failure: string): Promise<void> {
    await this.run(createMirrorArgs(m), failure);
  }

  /**
   * Runs several aptly commands in one process (`aptly task run`): one start, config read and
   * database open instead of one per command. aptly stops at the first command that fails and
   * skips the rest; `completed` says how many succeeded, `outputs` holds each one's output.
   * Commands whose arguments aptly's task syntax would misread (an argument ending in ',', which
   * separates commands) run one by one instead, with the same result.
   */
  public async task(commands: ReadonlyArray<readonly string[]>, failure: string,
    opts: { gnupgHome?: string } = {}): Promise<TaskResult> {
    const outputs: string[] = [];
    for (const batch of taskBatches(commands)) {
      const r = await this.taskBatch(batch, failure, opts);
      outputs.push(...r.outputs);
      if (r.error !== undefined) return { completed: outputs.length, outputs, error: r.error };
    }
    return { completed: outputs.length, outputs };
  }

  private async taskBatch(commands: ReadonlyArray<readonly string[]>, failure: string, opts: { gnupgHome?: string }): Promise<TaskResult> {
    const misread = commands.some(c => c.some(a => a.endsWith(',')));
    if (commands.length === 1 || misread) {
      const outputs: string[] = [];
      for (const c of commands) {
        const r = await this.run(c, failure, { ...opts, allowFail: true });
        if (r.code !== 0) return { completed: outputs.length, outputs, error: r.output };
        outputs.push(r.output);
      }
      return { completed: outputs.length, outputs };
    }
    const args = commands.flatMap((c, i) => i < commands.length - 1 ? [...c.slice(0, -1), `${c[c.length - 1]},`] : c);
    const r = await this.run(['task', 'run', ...args], failure, { ...opts, allowFail: true });
    const outputs = taskOutputs(r.output);
    if (r.code === 0 && outputs.length === commands.length) return { completed: commands.length, outputs };
    const ran = (r.output.match(/^\d+\) \[Running\]:/gm) ?? []).length;
    // Anything but a failed command (aptly killed or crashed, a bad config, output we cannot
    // read) is no reason to run the commands again one by one.
    if (r.code === 0 || ran === 0 || !/at least one command has reported an error/.test(r.output)) {
      throw new BuildError(`${failure}: ${r.code === 0 ? 'aptly task output not understood' : errorLines(r.output)}`, r.output);
    }
    // The last command that ran is the one that failed: its output and aptly's ERROR lines
    // (without the task's own "at least one command has reported an error").
    const completed = ran - 1;
    const errors = r.output.split('\n').filter(l => /^ERROR:/.test(l) && !/at least one command has reported an error/.test(l));
    return { completed, outputs: outputs.slice(0, completed), error: [outputs[completed] ?? '', ...errors].join('\n') };
  }

  /** The directory aptly writes to (its config's rootDir; the config's directory if unreadable). */
  private rootDir(): string {
    try {
      const root = JSON.parse(fs.readFileSync(this.config, 'utf8')).rootDir;
      if (typeof root === 'string' && root) return root;
    } catch {
      // fall through
    }
    return path.dirname(this.config);
  }

  /** Every package of a mirror as `name version arch` keys. */
  public async packageKeys(mirror: string, failure: string): Promise<string[]> {
    const r = await this.run(packageKeysArgs(mirror), failure, { allowFail: true });
    if (r.code !== 0) {
      if (/no results/i.test(r.output)) return [];
      throw new BuildError(`${failure}: ${errorLines(r.output)}`);
    }
    return parsePackageKeys(r.output);
  }

  /** Whether `query` matches a package of `mirror` (aptly's own evaluation). */
  public async matches(mirror: string, query: string, failure: string): Promise<boolean> {
    const r = await this.run(['mirror', 'search', '-format={{.Package}}', mirror, query], failure, { allowFail: true });
    if (r.code === 0) return r.output.trim() !== '';
    if (/no results/i.test(r.output)) return false;
    throw new BuildError(`${failure}: ${errorLines(r.output)}`);
  }
}

function addLoopback(list: string | undefined): string {
  return [list, '127.0.0.1', 'localhost'].filter(Boolean).join(',');
}

/** Splits queries into ` | `-joined filters below the kernel's limit for one argument (128 KiB). */
export function filterChunks(queries: readonly string[], maxBytes = 96 * 1024): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const q of queries) {
    const next = current ? `${current} | ${q}` : q;
    if (current && Buffer.byteLength(next) > maxBytes) {
      chunks.push(current);
      current = q;
    } else {current = next;}
  }
  if (current) chunks.push(current);
  return chunks;
}

/** Each command's output from `aptly task run` (between its begin and end markers). */
export function taskOutputs(output: string): string[] {
  const outputs: string[] = [];
  const re = /^Begin command output: -+\n([\s\S]*?)^End command output: -+$/gm;
  for (let m = re.exec(output); m; m = re.exec(output)) outputs.push(m[1]);
  return outputs;
}

/** The command `packageKeys` runs (to run it in a task). */
export function packageKeysArgs(mirror: string): string[] {
  return ['mirror', 'search', '-format={{.Package}} {{.Version}} {{.Architecture}}', mirror, 'Name (% *)'];
}

/** `name version arch` keys from the output of `packageKeysCommand`. */
export function parsePackageKeys(output: string): string[] {
  return output.split('\n').map(l => l.trim()).filter(l => l.split(' ').length === 3);
}

/** The arguments of `mirror create` (see `createMirror`). */
export function createMirrorArgs(m: MirrorSpec): string[] {
  return ['mirror', 'create', '-ignore-signatures', ...(m.force ? ['-force-components'] : []), `-max-tries=${m.retries}`,
    `-filter=${m.filter}`, ...(m.withDeps ? ['-filter-with-deps'] : []), m.name, m.url, m.distribution, ...(m.component === undefined ? [] : [m.component])];
}

/** The arguments of `mirror update` from the loopback cache (signatures: see `createMirror`). */
export function updateMirrorArgs(mirror: string, retries: number): string[] {
  return ['mirror', 'update', '-ignore-signatures', `-max-tries=${retries}`, mirror];
}
