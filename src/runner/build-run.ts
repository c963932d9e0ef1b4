// One run of the runner and what it leaves behind: the work directory and the signing GNUPGHOME
// it made, removed on every exit path (success, failure, SIGTERM, SIGINT), and its first failure,
// which decides what is reported and the exit code.
import * as fs from 'fs';
import * as path from 'path';
import { BuildError, ChildProcesses } from './proc';
import { BUILD_ENV } from '../contract/env';

export class BuildRun {
  private workDir: string | undefined;
  private signingHome: string | undefined;
  private failing: Promise<never> | undefined;
  private readonly unsettled: Array<Promise<unknown>> = [];
  /** Every tool this build runs goes through these: cleanup stops them all. */
  public readonly procs = new ChildProcesses();

  constructor(private readonly workspace: string) {}

  /** Where a finished build is published (never written by a failed one). */
  public get publicDir(): string {
    return path.join(this.workspace, 'public');
  }

  /** A fresh work directory in the workspace, without what an earlier attempt left; returns it and the stage. */
  public async prepare(): Promise<{ work: string; stage: string }> {
    await fs.promises.mkdir(this.workspace, { recursive: true });
    // A public/ from an earlier attempt in this workspace: drop it, so failure leaves none.
    await fs.promises.rm(this.publicDir, { recursive: true, force: true });
    for (const stale of await fs.promises.readdir(this.workspace)) {
      if (stale.startsWith('.mini-mirror.')) await fs.promises.rm(path.join(this.workspace, stale), { recursive: true, force: true });
    }
    const work = await fs.promises.mkdtemp(path.join(this.workspace, '.mini-mirror.'));
    this.workDir = work;
    const stage = path.join(work, 'public');
    await fs.promises.mkdir(stage);
    // aptly and gpg write temporary files: keep them in the workspace (the root FS may be read-only).
    await fs.promises.mkdir(path.join(work, 'tmp'));
    process.env.TMPDIR = path.join(work, 'tmp');
    return { work, stage };
  }

  /**
   * The signing GNUPGHOME, which holds the decrypted key material while the build runs: in `dir`
   * (a memory-backed volume when the Job provides one), else in the work directory. Removed by cleanup.
   */
  public signingHomeIn(dir: string | undefined): string {
    this.signingHome = path.join(dir ?? this.workDir!, `gnupg-signing-${process.pid}`);
    return this.signingHome;
  }

  /**
   * Work that writes where cleanup removes (the signing key's unlock, which runs beside the
   * downloads and may be half-way when a source fails): cleanup stops its processes, then waits
   * for it to settle before removing anything, so none of its writes lands after the removal.
   */
  public settleBeforeCleanup<T>(work: Promise<T>): Promise<T> {
    this.unsettled.push(work.catch(() => undefined));
    return work;
  }

  /**
   * Reports the failure, cleans up and exits with `code`. The first failure decides: a SIGTERM's
   * cleanup makes the build's own work fail too, which must not report again or change the code.
   */
  public fail(error: unknown, code: number): Promise<never> {
    this.failing ??= this.failOnce(error, code);
    return this.failing;
  }

  public async cleanup(): Promise<void> {
    this.procs.killAll();
    await Promise.all(this.unsettled);
    // The signing key's GNUPGHOME goes on every exit path, also with MINI_MIRROR_KEEP_WORK.
    if (this.signingHome) {
      await this.procs.run('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: this.signingHome }, afterStop: true }).catch(() => undefined);
      await fs.promises.rm(this.signingHome, { recursive: true, force: true }).catch(() => undefined);
    }
    const workDir = this.workDir;
    if (!workDir) return;
    if (process.env[BUILD_ENV.keepWork] === 'true') {
      process.stderr.write(`keeping the work directory ${workDir} (MINI_MIRROR_KEEP_WORK)\n`);
      return;
    }
    for (const home of await gnupgHomes(workDir)) {
      await this.procs.run('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: home }, afterStop: true }).catch(() => undefined);
    }
    await fs.promises.rm(workDir, { recursive: true, force: true }).catch(() => undefined);
  }

  private async failOnce(error: unknown, code: number): Promise<never> {
    await reportFailure(error);
    await this.cleanup();
    await fs.promises.rm(this.publicDir, { recursive: true, force: true }).catch(() => undefined);
    process.stderr.write(`BUILD FAILED (exit ${code}): nothing was written to ${this.publicDir}\n`);
    process.exit(code);
  }
}

/** A failure on stderr: a BuildError as its one line (with the failed source's log), anything else as an internal error. */
async function reportFailure(error: unknown): Promise<void> {
  if (error instanceof BuildError) {
    if (error.source) {
      // The failed source's log (aptly's own words), each line prefixed with the source.
      const log = await fs.promises.readFile(error.source.logFile, 'utf8').catch(() => '');
      const lines = log.trim().split('\n').filter(Boolean).slice(-60);
      if (lines.length) process.stderr.write(`\n===== log of ${error.source.id} (failed) =====\n${lines.map(l => `${error.source!.id} | ${l}`).join('\n')}\n\n`);
      process.stderr.write(`source ${error.source.id} failed: ${error.message}\n`);
    } else if (error.details) {
      process.stderr.write(`${error.details.trim().split('\n').slice(-40).map(l => `  | ${l}`).join('\n')}\n`);
    }
    process.stderr.write(`ERROR: ${error.message}\n`);
  } else if (error) {
    process.stderr.write(`ERROR: internal error: ${(error as Error).stack ?? error}\n`);
  }
}

/** The GNUPGHOMEs below the work directory that have a gpg-agent running (its socket exists). */
async function gnupgHomes(dir: string): Promise<string[]> {
  const homes: string[] = [];
  for (const d of await fs.promises.readdir(dir).catch(() => [] as string[])) homes.push(path.join(dir, d, 'gnupg'));
  return homes.filter(h => fs.existsSync(path.join(h, 'S.gpg-agent')));
}
