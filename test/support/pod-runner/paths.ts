import * as fs from 'fs';
import * as path from 'path';
import { fail } from './errors';

export const posix = path.posix;

/** number of components of an absolute path ('/' is 0) */
export function depth(p: string): number {
  return p === '/' ? 0 : p.split('/').length - 1;
}

/** true when `p` is `ancestor` or below it */
export function isUnder(p: string, ancestor: string): boolean {
  return ancestor === '/' || p === ancestor || p.startsWith(ancestor + '/');
}

/** `p` normalized, without a trailing slash; fails unless it is absolute */
export function cleanAbs(p: string, what: string): string {
  if (typeof p !== 'string' || !p.startsWith('/')) fail(`${what}: "${p}" must be an absolute path`);
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** kubelet's validation of a relative path inside a volume (items[].path, subPath) */
export function checkRelPath(p: string, what: string): string {
  if (typeof p !== 'string' || p === '') fail(`${what}: path must not be empty`);
  if (p.startsWith('/')) fail(`${what}: "${p}" must be a relative path`);
  const parts = p.split('/');
  if (parts.includes('..')) fail(`${what}: "${p}" must not contain '..'`);
  if (parts[0].startsWith('..')) fail(`${what}: "${p}" must not start with '..'`);
  return posix.normalize(p);
}

/** `p` with the host symlinks of its existing part resolved (as bwrap resolves a mount destination) */
export function hostCanonical(p: string): string {
  let existing = p;
  while (existing !== '/' && !fs.existsSync(existing)) existing = posix.dirname(existing);
  const real = fs.realpathSync(existing);
  return existing === p ? real : posix.join(real, posix.relative(existing, p));
}
