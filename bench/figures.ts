// Small helpers the build benches share: durations, medians, the runner's timing line, and the
// peak memory of this process's children.
import * as fs from 'fs';

export const s = (ms: number) => `${(ms / 1000).toFixed(2)}s`;
export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export function median(xs: readonly number[]): number {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
}

/** The runner's `timing: signing 0.1s, mirror 3.1s, ...; total 5.2s` line: phase -> ms. */
export function parseTiming(stdout: string): { phases: Map<string, number>; totalMs?: number } {
  const m = /^timing: (.*?); total ([\d.]+)s\s*$/m.exec(stdout);
  const phases = new Map<string, number>();
  if (!m) return { phases };
  for (const part of m[1].split(', ')) {
    const p = /^(.*) ([\d.]+)s$/.exec(part.trim());
    if (p) phases.set(p[1], Number(p[2]) * 1000);
  }
  return { phases, totalMs: Number(m[2]) * 1000 };
}

/** The median of each phase over several runs, as `name 1.2s, ...`. */
export function phaseLine(phaseRuns: ReadonlyArray<Map<string, number>>): string {
  const names = [...new Set(phaseRuns.flatMap(p => [...p.keys()]))];
  return names.map(n => `${n} ${(median(phaseRuns.map(p => p.get(n) ?? 0)) / 1000).toFixed(1)}s`).join(', ');
}

/**
 * Samples the summed resident memory of this process's descendants (the build's runner, aptly,
 * gpg, ...) every `everyMs` from /proc; `stop()` returns the peak in bytes. A sum of RSS counts
 * shared pages once per process: an upper bound.
 */
export function sampleChildrenRss(everyMs = 200): { stop: () => number } {
  let peak = 0;
  const sample = () => {
    const parent = new Map<number, number>();
    const rss = new Map<number, number>();
    for (const d of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        parent.set(Number(d), Number(fields[1]));
        rss.set(Number(d), Number(fields[21]) * 4096);
      } catch {
        // gone meanwhile
      }
    }
    const isDescendant = (pid: number): boolean => {
      for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === process.pid) return true;
      return false;
    };
    let sum = 0;
    for (const [pid, bytes] of rss) if (isDescendant(pid)) sum += bytes;
    peak = Math.max(peak, sum);
  };
  const timer = setInterval(sample, everyMs);
  return { stop: () => (clearInterval(timer), peak) };
}

/** Bytes of the files under `dir` (hard links counted once). */
export function treeBytes(dir: string): number {
  const seen = new Set<string>();
  let bytes = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory()) {
        walk(p);
      } else if (e.isFile()) {
        const st = fs.statSync(p);
        const k = `${st.dev}:${st.ino}`;
        if (!seen.has(k)) {
          seen.add(k);
          bytes += st.size;
        }
      }
    }
  };
  walk(dir);
  return bytes;
}
