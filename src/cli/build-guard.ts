// The watchdog of `mini-mirror build` (assets/build-guard.sh): holds the --out directory's lock and
// removes the signing key material when the build ends, however the CLI ends, SIGKILL included.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { InputProblems } from './errors';
import { ASSETS_DIR } from '../util/assets';

/** The lock file in --out (kept: flock locks the file, and a lock on a removed file locks nothing). */
export const OUT_LOCK = '.mini-mirror-lock';

/** flock's exit code when another process holds the lock. */
const LOCKED = 75;

/** How long the guard may take to clean up once the CLI is done. */
const FINISH_TIMEOUT_MS = 30_000;

export class BuildGuard {
  /**
   * Takes the lock on `out` and starts the guard over `secretDir` and `out`, in a session of its
   * own; fails at once, naming its pid, when another build holds the lock.
   */
  public static start(out: string, secretDir: string): Promise<BuildGuard> {
    const lock = path.join(out, OUT_LOCK);
    const child = spawn('flock', ['--exclusive', '--nonblock', '--conflict-exit-code', String(LOCKED), lock,
      'bash', path.join(ASSETS_DIR, 'build-guard.sh'), lock, String(process.pid), secretDir, out], {
      detached: true,
      cwd: '/',
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    child.stdin!.on('error', () => undefined); // a guard that died is reported by finish()
    const exited = new Promise<number | null>(resolve => child.on('close', code => resolve(code)));
    return new Promise((resolve, reject) => {
      let said = '';
      child.stdout!.on('data', (d: Buffer) => {
        said += d.toString();
        if (said.includes('ready\n')) {
          child.stdout!.removeAllListeners('data').resume();
          resolve(new BuildGuard(child, exited));
        }
      });
      child.on('error', e => reject(new InputProblems([`cannot start the build's watchdog (flock, from util-linux): ${e.message}`])));
      void exited.then(code => reject(code === LOCKED ? lockedBy(lock, out) : new InputProblems([`the build's watchdog failed to start (exit ${code})`])));
    });
  }

  private constructor(private readonly child: ChildProcess, private readonly exited: Promise<number | null>) {}

  /** A step now runs in process group `pgid`: the guard kills it if the CLI dies. */
  public step(pgid: number): void {
    this.tell(`step ${pgid}`);
  }

  /** No step runs. */
  public idle(): void {
    this.tell('idle');
  }

  /** `public/` or `oci/` of --out is a finished result: the guard keeps it. */
  public keep(result: 'public' | 'oci'): void {
    this.tell(`keep ${result}`);
  }

  /** Lets the guard clean up and waits for it (and so for the lock to be free). */
  public async finish(): Promise<void> {
    this.child.stdin!.end();
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([this.exited, new Promise<'timeout'>(r => timer = setTimeout(() => r('timeout'), FINISH_TIMEOUT_MS))]);
    clearTimeout(timer);
    if (code !== 0) throw new InputProblems([`the build's watchdog did not clean up (${code === 'timeout' ? 'timed out' : `exit ${code}`})`]);
  }

  private tell(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }
}

function lockedBy(lock: string, out: string): InputProblems {
  const pid = fs.readFileSync(lock, 'utf8').trim();
  const who = /^\d+$/.test(pid) ? `another mini-mirror build (pid ${pid})` : 'another mini-mirror build';
  return new InputProblems([`${who} is building into ${out}: wait for it to end (or stop it), or give another --out`]);
}
