import { createHash } from 'crypto';
import { stableStringify } from './stable-json';

/** SHA-256 hex of the stable JSON form of `value`. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex');
}
