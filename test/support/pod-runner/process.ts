import { ChildProcess, spawn } from 'child_process';
import * as os from 'os';
import { ContainerOutput } from './container-output';
import { DEFAULT_PATH } from './host';

const ABORT_GRACE_MS = 2_000;
/** how long to wait for the FIFOs after the sandbox was killed */
const PIPE_GRACE_MS = 5_000;

export interface ProcessOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
}

/** The sandbox process, from spawn to its outcome: exit, FIFOs drained, timeout, abort. */
class SandboxProcess {
  private mainPid: number | undefined;
  private timedOut = false;
  private aborted = false;
  private settled = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private exited: [number | null, NodeJS.Signals | null] | undefined;
  private drained = false;

  constructor(
    private readonly child: ChildProcess,
    private readonly output: ContainerOutput,
    private readonly signal: AbortSignal | undefined,
    private readonly resolve: (outcome: ProcessOutcome) => void,
    private readonly reject: (e: Error) => void,
  ) {}

  public start(timeoutMs: number): void {
    this.readInfoFd();
    this.output.collect(() => {
      this.drained = true;
      this.maybeFinish();
    });
    this.child.on('error', e => this.onError(e));
    this.child.on('exit', (code, sig) => {
      this.exited = [code, sig];
      this.maybeFinish();
    });
    this.timers.push(setTimeout(() => {
      this.timedOut = true;
      this.killGroup('SIGKILL');
      this.forceFinish();
    }, timeoutMs));
    if (this.signal) {
      if (this.signal.aborted) this.onAbort();
      else this.signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  /** bwrap's `--info-fd` names the container's main process (PID 1 inside) */
  private readInfoFd(): void {
    let info = '';
    (this.child.stdio[3] as NodeJS.ReadableStream | null)?.on('data', (d: Buffer) => {
      info += d.toString('utf8');
      const m = /"child-pid"\s*:\s*(\d+)/.exec(info);
      if (m) this.mainPid = Number(m[1]);
    });
  }

  private killGroup(sig: NodeJS.Signals): void {
    try {
      if (this.child.pid) process.kill(-this.child.pid, sig);
    } catch {
      // already gone
    }
  }

  /** as a runtime stops a container: SIGTERM to its PID 1, SIGKILL to everything after a grace period */
  private readonly onAbort = (): void => {
    this.aborted = true;
    if (this.mainPid !== undefined) {
      try {
        process.kill(this.mainPid, 'SIGTERM');
      } catch {
        // already gone
      }
    } else {
      this.killGroup('SIGTERM');
    }
    this.timers.push(setTimeout(() => {
      this.killGroup('SIGKILL');
      this.forceFinish();
    }, ABORT_GRACE_MS));
  };

  /** the sandbox is gone but something may still hold the FIFOs: give up on them after a while */
  private forceFinish(): void {
    this.timers.push(setTimeout(() => {
      this.output.destroy();
      this.finish(137, null);
    }, PIPE_GRACE_MS));
  }

  /** done when the process has exited and both FIFOs have delivered everything */
  private maybeFinish(): void {
    if (this.exited && this.drained) this.finish(...this.exited);
  }

  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    for (const t of this.timers) clearTimeout(t);
    return true;
  }

  private finish(code: number | null, sig: NodeJS.Signals | null): void {
    if (!this.settle()) return;
    this.signal?.removeEventListener('abort', this.onAbort);
    const exitCode = code !== null ? code : 128 + (sig ? os.constants.signals[sig] ?? 0 : 0);
    this.output.end(() => this.resolve({
      exitCode,
      stdout: this.output.stdout,
      stderr: this.output.stderr,
      timedOut: this.timedOut,
      aborted: this.aborted,
    }));
  }

  private onError(e: Error): void {
    if (!this.settle()) return;
    this.output.end();
    this.reject(e);
  }
}

/**
 * Run bwrap (in its own process group) with `--info-fd 3` prepended, so that an abort can signal
 * the container's main process only, as a runtime signals the container's PID 1.
 */
export function runProcess(bwrapArgs: string[], logFile: string, timeoutMs: number, signal?: AbortSignal): Promise<ProcessOutcome> {
  return new Promise((resolve, reject) => {
    const output = new ContainerOutput(logFile);
    const child = spawn('bwrap', ['--info-fd', '3', ...bwrapArgs], {
      detached: true,
      stdio: ['ignore', ...output.childFds, 'pipe'],
      env: { PATH: DEFAULT_PATH },
    });
    new SandboxProcess(child, output, signal, resolve, reject).start(timeoutMs);
  });
}
