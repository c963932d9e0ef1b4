import { createHash } from 'crypto';
import { stableStringify } from './stable-json';

/** SHA-256 hex of the stable JSON form of `value`. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex');
}

/**
 * SHA-256 hex of named texts, fed to the hash one by one: for megabytes of package lists this
 * avoids building (and escaping) one JSON string of everything. Each entry is framed by its
 * name and byte length, so different file sets cannot hash alike.
 */
export function filesHash(files: ReadonlyArray<{ readonly path: string; readonly content: string }>): string {
  const hash = createHash('sha256');
  for (const f of files) hash.update(`${f.path}\0${Buffer.byteLength(f.content)}\0`).update(f.content);
  return hash.digest('hex');
}

/**
 * SHA-256 hex of a Kubernetes object's metadata (without its name) and its spec as they are
 * synthesized: what names an immutable object (a Job) after everything in it.
 */
export function objectHash(metadata: { readonly [key: string]: unknown }, spec: unknown): string {
  const { name: _name, ...rest } = metadata;
  return contentHash({ metadata: rest, spec });
}
