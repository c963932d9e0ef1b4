/**
 * The CLI run as a user runs it, in a process group of its own (as a shell job is), so a test can
 * signal the whole group; and what a test checks afterwards on the host: processes, files.
 */
import { ChildProcessWithoutNullStreams, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { runCommand, RunOptions, RunResult } from './run-build';

const ROOT = path.join(__dirname, '..', '..');

export interface CliProcess {
  readonly pid: number;
  /** Everything printed so far. */
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** The CLI process's own end (not its children's or the watchdog's). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Every process that held its stdout ended (the build's steps, the watchdog). */
  readonly closed: Promise<void>;
  /** Resolves when `pattern` appears on stdout; rejects if the CLI exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/** `mini-mirror <argv>` (ts-node, src/cli/main.ts) to its end, asynchronously; never throws on a non-zero exit. */
export function runMiniMirror(argv: string[], options: RunOptions): Promise<RunResult> {
  return runCommand(path.join(ROOT, 'node_modules', '.bin', 'ts-node'), ['--project', path.join(ROOT, 'test', 'tsconfig.json'), '--transpile-only',
    path.join(ROOT, 'src', 'cli', 'main.ts'), ...argv], options);
}

/** `mini-mirror <argv>` (ts-node, src/cli/main.ts) as the leader of a new process group. */
export function startCli(argv: string[], env: NodeJS.ProcessEnv = process.env): CliProcess {
  const child: ChildProcessWithoutNullStreams = spawn(path.join(ROOT, 'node_modules', '.bin', 'ts-node'),
    ['--project', path.join(ROOT, 'test', 'tsconfig.json'), '--transpile-only', path.join(ROOT, 'src', 'cli', 'main.ts'), ...argv],
    { env, detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => stdout += d.toString());
  child.stderr.on('data', (d: Buffer) => stderr += d.toString());
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(resolve => child.on('exit', (code, signal) => resolve({ code, signal })));
  const closed = new Promise<void>(resolve => child.on('close', () => resolve()));
  const waitFor = (pattern: RegExp, timeoutMs = 120_000) => new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${pattern} did not appear in ${timeoutMs} ms:\n${stdout}\n${stderr}`)), timeoutMs);
    const look = () => {
      if (!pattern.test(stdout)) return;
      clearTimeout(timer);
      child.stdout.off('data', look);
      resolve();
    };
    child.stdout.on('data', look);
    void exited.then(e => {
      clearTimeout(timer);
      reject(new Error(`the CLI exited (${e.code ?? e.signal}) before ${pattern} appeared:\n${stdout}\n${stderr}`));
    });
    look();
  });
  return { pid: child.pid!, stdout: () => stdout, stderr: () => stderr, waitFor, exited, closed };
}

/** Pids of the processes whose command line or environment holds any of `needles`. */
export function processesHolding(needles: string[]): Array<{ pid: number; where: 'cmdline' | 'environ' }> {
  const found: Array<{ pid: number; where: 'cmdline' | 'environ' }> = [];
  for (const pid of livePids()) {
    for (const where of ['cmdline', 'environ'] as const) {
      const bytes = readProc(pid, where);
      if (bytes && needles.some(n => bytes.includes(Buffer.from(n)))) found.push({ pid, where });
    }
  }
  return found;
}

/** Pids of processes started with an argument below `dir` (gpg-agent gets `--homedir <home>`). */
export function processesUnder(dir: string): Array<{ pid: number; cmdline: string }> {
  const found: Array<{ pid: number; cmdline: string }> = [];
  for (const pid of livePids()) {
    const args = readProc(pid, 'cmdline')?.toString().split('\0') ?? [];
    if (args.some(a => a.startsWith(`${dir}/`) || a.startsWith(`--homedir=${dir}/`))) found.push({ pid, cmdline: args.join(' ') });
  }
  return found;
}

/** Files below `dir` whose bytes contain any of `needles`. */
export function filesHolding(dir: string, needles: string[]): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && needles.some(n => fs.readFileSync(p).includes(Buffer.from(n)))) found.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return found;
}

/** Whether `lockFile` can be locked now (no process holds it). */
export function lockIsFree(lockFile: string): boolean {
  return spawnSync('flock', ['--exclusive', '--nonblock', lockFile, 'true']).status === 0;
}

/** Polls `check` every 100 ms until it holds; returns how long that took, or throws after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise(r => setTimeout(r, 100));
  }
  return Date.now() - start;
}

function livePids(): number[] {
  return fs.readdirSync('/proc').filter(e => /^\d+$/.test(e)).map(Number).filter(pid => pid !== process.pid);
}

function readProc(pid: number, file: string): Buffer | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`);
  } catch {
    return undefined;
  }
}
