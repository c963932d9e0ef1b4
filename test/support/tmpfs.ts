import { spawnSync } from 'child_process';
import * as fs from 'fs';

/**
 * Mounts a tmpfs of `size` (e.g. '4m') at `dir` (created if missing), for tests of a full disk.
 * Returns undefined, after printing why, where mounting is not permitted (not root, no
 * CAP_SYS_ADMIN): such tests skip.
 */
export function mountTmpfs(dir: string, size: string): string | undefined {
  fs.mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  if (r.status === 0) return dir;
  // eslint-disable-next-line no-console
  console.log(`skipping a full-disk test: cannot mount a tmpfs here (${(r.stderr?.toString() ?? '').trim() || r.error?.message})`);
  return undefined;
}

/** Unmounts what mountTmpfs mounted (lazily: a process that still has a file open does not block it). */
export function unmountTmpfs(dir: string | undefined): void {
  if (dir) spawnSync('umount', ['-l', dir]);
}

/** Fills the filesystem of `dir` until `leaveBytes` are left (a file `fill` in it). */
export function fillUntil(dir: string, leaveBytes: number): void {
  const stat = fs.statfsSync(dir);
  const free = stat.bavail * stat.bsize;
  if (free > leaveBytes) fs.writeFileSync(`${dir}/fill`, Buffer.alloc(free - leaveBytes));
}
