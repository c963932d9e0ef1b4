// Package files the runner indexes itself (published/): downloaded many at a time into the
// upstream cache and each checked against the size and strongest checksum its stanza lists
// (upstream's signed index), as aptly's `mirror update` checks what it takes. A file that does
// not match is downloaded again (a proxy or mirror in sync may have served a bad copy) up to
// `retries` times; then the build fails naming it.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { UpstreamCache } from './fetcher';
import { plural } from '../../util/plural';
import { fieldOf, IndexEntry, packageSize } from '../deb/packages-index';
import { BuildError, pool } from '../proc';
import { DiskFullError } from '../workspace-room';

/** The checksum fields a stanza may give, strongest first, with node's name for each. */
const CHECKSUMS: ReadonlyArray<readonly [string, string, number]> = [['SHA512', 'sha512', 128], ['SHA256', 'sha256', 64], ['SHA1', 'sha1', 40], ['MD5sum', 'md5', 32]];

/** Package files checked at once (hashing is CPU-bound on the main thread; more only holds more buffers). */
const VERIFY_CONCURRENCY = 8;

/** What a package file must be: its size and strongest listed checksum. */
export interface ExpectedFile {
  readonly size: number;
  readonly algo: string;
  readonly field: string;
  readonly digest: string;
}

/** The size and strongest checksum a stanza lists for its file. */
export function expectedFile(e: IndexEntry, id: string): ExpectedFile {
  for (const [field, algo, length] of CHECKSUMS) {
    const digest = fieldOf(e.stanza, field)?.toLowerCase();
    if (digest && digest.length === length && /^[0-9a-f]+$/.test(digest)) return { size: packageSize(e), algo, field, digest };
  }
  throw new BuildError(`${id}: ${e.name} ${e.version} (${e.architecture}) has no checksum in upstream's Packages index: its file cannot be verified`);
}

/** The upstream path of the package's file (its stanza's Filename). */
export function upstreamFilename(e: IndexEntry, id: string): string {
  const filename = fieldOf(e.stanza, 'Filename');
  if (!filename || filename.endsWith('/') || /[\s\\]/.test(filename)) {
    throw new BuildError(`${id}: ${e.name} ${e.version} (${e.architecture}) has no usable Filename in upstream's Packages index (${JSON.stringify(filename ?? '')})`);
  }
  if (path.posix.normalize(filename).replace(/^\/+/, '').startsWith('..')) {
    throw new BuildError(`${id}: ${e.name} ${e.version} (${e.architecture}): upstream's Filename ${JSON.stringify(filename)} points outside the repository`);
  }
  return filename;
}

/** Downloads and verifies the files of `entries`; every one is in the cache, as listed, when it resolves (with their number). */
export async function fetchVerified(entries: readonly IndexEntry[], cache: UpstreamCache,
  o: { concurrency: number; retries: number; id: string }): Promise<number> {
  const files = new Map<string, ExpectedFile>();
  for (const e of entries) files.set(upstreamFilename(e, o.id), expectedFile(e, o.id));
  const fetched = await cache.prefetch([...files.keys()], o.concurrency);
  // A few at a time: each check reads its file in 1 MiB chunks (thousands at once held gigabytes).
  await pool([...files], VERIFY_CONCURRENCY, async ([rel, expected]) => {
    for (let attempt = 1; ; attempt++) {
      const result = attempt === 1 ? fetched.get(rel) ?? await cache.get(rel).catch((e: Error) => e) : await cache.get(rel).catch((e: Error) => e);
      if (result instanceof Error) throw result instanceof DiskFullError || result instanceof BuildError ? result : new BuildError(`${o.id}: ${result.message}`);
      if (result === 'missing') throw new BuildError(`${o.id}: ${cache.urlOf(rel)} is missing upstream (404), though its signed Packages index lists it`);
      const problem = await mismatch(cache.fileOf(rel)!, expected);
      if (!problem) return;
      if (attempt >= o.retries) throw new BuildError(`${o.id}: ${cache.urlOf(rel)}: hash mismatch after ${plural(attempt, 'attempt')}: ${problem}`);
      await cache.drop(rel);
    }
  });
  return files.size;
}

/** How the file differs from what its stanza lists; undefined when it matches. */
async function mismatch(file: string, expected: ExpectedFile): Promise<string | undefined> {
  const size = (await fs.promises.stat(file)).size;
  if (size !== expected.size) return `${size} bytes, the signed Packages index lists ${expected.size}`;
  const hash = crypto.createHash(expected.algo);
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  const digest = hash.digest('hex');
  return digest === expected.digest ? undefined : `${expected.field} ${digest}, the signed Packages index lists ${expected.digest}`;
}
