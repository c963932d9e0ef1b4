// SIGINT, SIGTERM and SIGHUP during `mini-mirror build`: the running step (in a process group of
// its own) is stopped, the build ends without publishing, and the CLI exits 130, 143 or 129.

const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;
type Handled = keyof typeof SIGNALS;

/** A step that does not stop this long after the signal is killed. */
const STOP_GRACE_MS = 20_000;

/** The build was stopped by a signal; `exitCode` is the shell's 128 + its number. */
export class BuildInterrupted extends Error {
  constructor(public readonly signal: Handled, public readonly exitCode: number, out: string) {
    super(`interrupted by ${signal}: the build stopped and nothing was published to ${out}; the signing key material is removed`);
  }
}

export class Interrupts {
  /** Handles the signals from now until `dispose()`. */
  public static install(): Interrupts {
    const interrupts = new Interrupts();
    for (const signal of Object.keys(SIGNALS) as Handled[]) process.on(signal, interrupts.handler);
    return interrupts;
  }

  /** The first signal received. */
  public signal?: Handled;
  private stepGroup?: number;
  private killTimer?: NodeJS.Timeout;

  private constructor() {}

  /** A step runs in process group `pgid` (its pid): a signal stops it. */
  public stepStarted(pgid: number): void {
    this.stepGroup = pgid;
    if (this.signal) this.stop(this.signal);
  }

  public stepEnded(): void {
    this.stepGroup = undefined;
    clearTimeout(this.killTimer);
  }

  /** Throws BuildInterrupted when a signal came. */
  public check(out: string): void {
    if (this.signal) throw new BuildInterrupted(this.signal, 128 + SIGNALS[this.signal], out);
  }

  public dispose(): void {
    clearTimeout(this.killTimer);
    for (const signal of Object.keys(SIGNALS) as Handled[]) process.off(signal, this.handler);
  }

  private readonly handler = (signal: NodeJS.Signals) => {
    if (this.signal) {
      // A second signal: the user does not want to wait for the step to stop.
      this.kill('SIGKILL');
      return;
    }
    this.signal = signal as Handled;
    this.stop(this.signal);
  };

  /** The step gets SIGINT or SIGTERM, which the runner handles (it has no cleanup for SIGHUP). */
  private stop(signal: Handled): void {
    this.kill(signal === 'SIGINT' ? 'SIGINT' : 'SIGTERM');
    clearTimeout(this.killTimer);
    this.killTimer = setTimeout(() => this.kill('SIGKILL'), STOP_GRACE_MS);
  }

  private kill(signal: NodeJS.Signals): void {
    if (this.stepGroup === undefined) return;
    try {
      process.kill(-this.stepGroup, signal);
    } catch {
      // the step has just ended
    }
  }
}
