// Package files the runner indexes itself (published/): downloaded many at a time into the
// upstream cache and each checked against the Size and every checksum its stanza lists in
// upstream's signed index (package-checksums.ts), as apt will check them. A file that does not
// match is downloaded again (a proxy or a mirror in sync may have served a bad copy) up to
// `retries` times; then the build fails naming it. Two stanzas that name one file but disagree
// on it fail the build: whichever was published, apt would refuse the file for the other.
import * as path from 'path';
import { UpstreamCache } from './fetcher';
import { checkFile, ExpectedFile, expectedFile, sameFile } from './package-checksums';
import { plural } from '../../util/plural';
import { fieldOf, IndexEntry } from '../deb/packages-index';
import { BuildError, pool } from '../proc';
import { DiskFullError } from '../workspace-room';

/** Package files checked at once (hashing is CPU-bound on the main thread; more only holds more buffers). */
const VERIFY_CONCURRENCY = 8;

/** The upstream path of the package's file (its stanza's Filename, normalized: `./x` and `x` are one file). */
export function upstreamFilename(e: IndexEntry, id: string): string {
  const filename = fieldOf(e.stanza, 'Filename');
  if (!filename || filename.endsWith('/') || /[\s\\]/.test(filename)) {
    throw new BuildError(`${id}: ${e.name} ${e.version} (${e.architecture}) has no usable Filename in upstream's Packages index (${JSON.stringify(filename ?? '')})`);
  }
  const base = path.posix.basename(filename);
  if (base.startsWith('.')) throw new BuildError(`${id}: ${e.name} ${e.version} (${e.architecture}): upstream's Filename ${JSON.stringify(filename)} names no package file`);
  const normalized = path.posix.normalize(filename).replace(/^\/+/, '');
  if (normalized.startsWith('..')) {
    throw new BuildError(`${id}: ${e.name} ${e.version} (${e.architecture}): upstream's Filename ${JSON.stringify(filename)} points outside the repository`);
  }
  return normalized;
}

/** A file to check: its upstream path, what its stanza lists, and the package that named it first. */
interface Wanted {
  readonly rel: string;
  readonly expected: ExpectedFile;
  readonly by: string;
}

/**
 * Downloads and checks the files of `entries`; when it resolves, every one is in the cache as
 * listed and in `cache.verified` with the checksums to publish. Resolves with their number.
 */
export async function fetchVerified(entries: readonly IndexEntry[], cache: UpstreamCache,
  o: { concurrency: number; retries: number; id: string }): Promise<number> {
  const files = wantedFiles(entries, cache, o.id);
  const todo = [...files.values()].filter(w => !cache.verified.has(w.rel));
  const fetched = await cache.prefetch(todo.map(w => w.rel), o.concurrency);
  // A few at a time: each check reads its file in 1 MiB chunks (thousands at once held gigabytes).
  await pool(todo, VERIFY_CONCURRENCY, async ({ rel, expected, by }) => {
    for (let attempt = 1; ; attempt++) {
      const result = attempt === 1 ? fetched.get(rel) ?? await cache.get(rel).catch((e: Error) => e) : await cache.get(rel).catch((e: Error) => e);
      if (result instanceof Error) throw result instanceof DiskFullError || result instanceof BuildError ? result : new BuildError(`${o.id}: ${result.message}`);
      if (result === 'missing') throw new BuildError(`${o.id}: ${cache.urlOf(rel)} is missing upstream (404), though its signed Packages index lists it`);
      const checked = await checkFile(cache.fileOf(rel)!, expected);
      if ('published' in checked) {
        cache.verified.set(rel, { expected, checksums: checked.published, by });
        return;
      }
      if (attempt >= o.retries) throw new BuildError(`${o.id}: ${cache.urlOf(rel)}: hash mismatch after ${plural(attempt, 'attempt')}: ${checked.problem}`);
      await cache.drop(rel);
    }
  });
  return files.size;
}

/** The files `entries` name, one per path; two stanzas (or an earlier check) that disagree on a file fail the build. */
function wantedFiles(entries: readonly IndexEntry[], cache: UpstreamCache, id: string): Map<string, Wanted> {
  const files = new Map<string, Wanted>();
  for (const e of entries) {
    const rel = upstreamFilename(e, id);
    const expected = expectedFile(e, id);
    const by = `${e.name} ${e.version} (${e.architecture})`;
    const before = files.get(rel) ?? cache.verified.get(rel);
    if (before && !sameFile(before.expected, expected)) {
      throw new BuildError(`${id}: ${before.by} and ${by} both name ${rel} in upstream's Packages index, with different sizes or checksums: `
        + 'apt would refuse the file for one of them; the index is inconsistent (ask upstream, or leave one of them out of packages.txt)');
    }
    if (!files.has(rel)) files.set(rel, { rel, expected, by });
  }
  return files;
}
