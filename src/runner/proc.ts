// Child processes: every tool (aptly, gpg, curl, dose) runs asynchronously with its output captured.
import { ChildProcess, spawn } from 'child_process';

export interface ProcResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ProcOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string | Buffer;
  readonly cwd?: string;
  /** Run even after `killAll` (cleanup's own commands). */
  readonly afterStop?: boolean;
}

/**
 * A build's child processes: those running, and whether the build is stopping. One per build,
 * owned by its `BuildRun` and passed to whatever runs a tool (aptly, gpg, curl, dose, xz, df), so
 * that no module holds them. A failed build stops every running child (the other sources' work
 * ends at once), and every child started later: work still in flight (a retry, a fallback) must
 * not start tools anew while cleanup removes their directories.
 */
export class ChildProcesses {
  private readonly live = new Set<ChildProcess>();
  private stopped = false;

  /** Stops every running child, and every one started later (except `afterStop` ones). */
  public killAll(): void {
    this.stopped = true;
    for (const child of this.live) child.kill('SIGTERM');
  }

  /** Whether `killAll` has run: the build is failing or was stopped. */
  public get stopping(): boolean {
    return this.stopped;
  }

  /** Runs a command; never throws for a non-zero exit (see `code`). Arguments are never parsed by a shell. */
  public run(cmd: string, args: readonly string[], options: ProcOptions = {}): Promise<ProcResult> {
    if (this.stopped && !options.afterStop) return Promise.resolve({ code: 143, stdout: '', stderr: `${cmd} not started: the build is stopping` });
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
      this.live.add(child);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', reject);
      child.on('close', (code, signal) => this.live.delete(child) && resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }));
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    });
  }
}

/** A failure the build reports as one line (no stack trace), attributed to a source when known. */
export class BuildError extends Error {
  /** The source (`prefix/name`) that failed, and its log, when the failure is one source's. */
  public source?: { readonly id: string; readonly logFile: string };
  constructor(message: string, public readonly details?: string) {
    super(message);
  }
}

/** Lines of tool output that explain a failure, for messages. */
export function errorLines(output: string, max = 5): string {
  const lines = output.split('\n').map(l => l.trim()).filter(l => /^ERROR|error|gpgv:|BAD|fail/i.test(l));
  return (lines.length ? lines : output.split('\n').map(l => l.trim()).filter(Boolean)).slice(-max).join(' ');
}

/** Runs `fn` over `items` with at most `limit` running at once; the first failure stops new starts. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed !== undefined) throw failed;
  return results;
}

/** At most `permits` callers inside `run` at once (e.g. aptly's CPU-bound work, while downloads go on). */
export class Semaphore {
  private readonly waiting: Array<() => void> = [];
  constructor(private permits: number) {}

  public async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.permits > 0) this.permits--;
    else await new Promise<void>(resolve => this.waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.permits++;
    }
  }
}
