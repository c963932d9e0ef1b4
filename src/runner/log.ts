// Console output of the build: numbered progress lines, warnings, and a per-phase timing summary.

import { BUILD_ENV } from '../contract/env';

/** The phases in the order a build goes through them (the timing line keeps this order). */
const PHASES = ['signing', 'keys', 'indexes', 'download', 'query check', 'aptly mirror', 'closure', 'publish', 'merge', 'judge', 'manifest'];

export class BuildLog {
  private steps = 0;
  private readonly phases = new Map<string, number>();
  private readonly started = Date.now();

  public say(message: string): void {
    // MINI_MIRROR_TIMESTAMPS=true: each line with the seconds since the start (where did the time go?).
    const stamp = process.env[BUILD_ENV.timestamps] === 'true' ? `+${(this.elapsedMs / 1000).toFixed(2)}s ` : '';
    process.stdout.write(`${stamp}${message}\n`);
  }

  public step(message: string): void {
    this.steps++;
    this.say(`[${this.steps}] ${message}`);
  }

  public warn(message: string): void {
    this.say(`WARNING: ${message}`);
  }

  /** Runs `fn` and adds its wall time to `phase` (phases of parallel sources overlap). */
  public async time<T>(phase: string, fn: () => Promise<T>): Promise<T> {
    const t = Date.now();
    try {
      return await fn();
    } finally {
      this.phases.set(phase, (this.phases.get(phase) ?? 0) + (Date.now() - t));
    }
  }

  public get elapsedMs(): number {
    return Date.now() - this.started;
  }

  /** `timing: keys 0.4s, mirror 3.1s, ... total 5.2s` (parallel phases add up to more than the total). */
  public timingSummary(): string {
    const rank = (k: string) => (PHASES.indexOf(k) + PHASES.length + 1) % (PHASES.length + 1);
    const parts = [...this.phases].sort(([a], [b]) => rank(a) - rank(b)).map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)}s`);
    return `timing: ${parts.join(', ')}; total ${(this.elapsedMs / 1000).toFixed(1)}s`;
  }
}

export function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let b = bytes;
  let i = 0;
  while (b >= 1024 && i < units.length - 1) {
    b /= 1024;
    i++;
  }
  return i === 0 ? `${b} ${units[i]}` : `${b.toFixed(1)} ${units[i]}`;
}

/** `1,032`: large counts read at a glance (not toLocaleString: its first call loads ICU, 40 ms of a build's critical path). */
export function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function packages(n: number): string {
  return `${grouped(n)} ${n === 1 ? 'package' : 'packages'}`;
}

/** What a source's download will cost, once its indexes are read: `will fetch 1,032 packages, 612.0 MiB (3 packages, 41.0 MiB reused)`. */
export function estimateLine(id: string, fetch: { files: number; bytes: number }, reused: { files: number; bytes: number }): string {
  // Reused: fetched already in this build (another source of the same upstream, a world's closure).
  return `${id}: will fetch ${packages(fetch.files)}, ${humanBytes(fetch.bytes)} (${packages(reused.files)}, ${humanBytes(reused.bytes)} reused)`;
}

/** How often a long download reports its progress (a line per file would drown the log). */
export const PROGRESS_INTERVAL_MS = 5000;

/**
 * Progress of one source's downloads: `update` may be called often, a line is logged at most
 * once per interval (the clock is injectable for tests).
 */
export class DownloadProgress {
  private last: number;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly log: BuildLog,
    private readonly id: string,
    private readonly total: { files: number; bytes: number },
    /** How often a line is logged, and the clock it is measured by. @default every PROGRESS_INTERVAL_MS by Date.now */
    clock: { readonly intervalMs?: number; readonly now?: () => number } = {},
  ) {
    this.intervalMs = clock.intervalMs ?? PROGRESS_INTERVAL_MS;
    this.now = clock.now ?? Date.now;
    this.last = this.now();
  }

  /** Reports files and bytes done so far; returns whether a line was logged. */
  public update(files: number, bytes: number): boolean {
    const t = this.now();
    if (t - this.last < this.intervalMs) return false;
    this.last = t;
    this.log.say(`${this.id}: downloaded ${grouped(files)} of ${packages(this.total.files)}, ${humanBytes(bytes)} of ${humanBytes(this.total.bytes)}`);
    return true;
  }
}
