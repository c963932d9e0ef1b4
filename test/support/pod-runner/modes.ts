import * as fs from 'fs';
import * as path from 'path';
import { fail } from './errors';

export function checkMode(mode: unknown, what: string): number {
  if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o777) {
    fail(`${what}: mode ${String(mode)} must be an integer between 0 and 0777 (decimal 511)`);
  }
  return mode;
}

/** a mode field of a volume source or item: `fallback` when absent (undefined or null), else checked */
export function modeOr(mode: number | null | undefined, fallback: number, what: string): number {
  return mode === undefined || mode === null ? fallback : checkMode(mode, what);
}

export function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/** permission bits (incl. setuid/setgid/sticky) of a st_mode */
export function permBits(mode: number): number {
  // eslint-disable-next-line no-bitwise
  return mode & 0o7777;
}

/** `mode` with the bits of `mask` set */
export function withBits(mode: number, mask: number): number {
  // eslint-disable-next-line no-bitwise
  return mode | mask;
}

/** create `rel` (and its missing parents) below the existing `base`, giving each created dir `mode` */
export function mkdirsMode(base: string, rel: string, mode: number): void {
  let cur = base;
  for (const part of rel.split('/').filter(x => x !== '' && x !== '.')) {
    cur = path.join(cur, part);
    if (!fs.existsSync(cur)) {
      fs.mkdirSync(cur);
      fs.chmodSync(cur, mode);
    }
  }
}

export function mkdirMode(dir: string, mode: number): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, mode);
}
