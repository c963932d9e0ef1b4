// Package files the runner indexes itself (published/): downloaded many at a time into the
// upstream cache and each checked against the Size and every checksum its stanza lists in
// upstream's signed index (package-checksums.ts, file-digests.ts), as apt will check them. A
// file that does not match is downloaded again (a proxy or a mirror in sync may have served a
// bad copy) up to `retries` times; then the build fails naming it. Two stanzas that name one
// file but disagree on it fail the build: whichever was published, apt would refuse the file
// for the other.
import * as fs from 'fs';
import * as path from 'path';
import { FetchResult, UpstreamCache, upstreamPath } from './fetcher';
import { fileDigests } from './file-digests';
import { compareFile, ExpectedFile, expectedFile, neededFields, sameFile } from './package-checksums';
import { plural } from '../../util/plural';
import { fieldOf, IndexEntry } from '../deb/packages-index';
import { BuildError, pool } from '../proc';
import { DiskFullError } from '../workspace-room';

/** The upstream path of the package's file (its stanza's Filename, normalized: `./x` and `x` are one file). */
export function upstreamFilename(e: IndexEntry, id: string): string {
  const filename = fieldOf(e.stanza, 'Filename');
  if (!filename || filename.endsWith('/') || /[\s\\]/.test(filename)) {
    throw new BuildError(`${id}: ${e.name} ${e.version} (${e.architecture}) has no usable Filename in upstream's Packages index (${JSON.stringify(filename ?? '')})`);
  }
  const base = path.posix.basename(filename);
  if (base.startsWith('.')) throw new BuildError(`${id}: ${e.name} ${e.version} (${e.architecture}): upstream's Filename ${JSON.stringify(filename)} names no package file`);
  const normalized = upstreamPath(filename);
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
  let todo = [...files.values()].filter(w => !cache.verified.has(w.rel));
  const fetched = await cache.prefetch(todo.map(w => w.rel), o.concurrency);
  await Promise.all(todo.map(w => downloaded(cache, w.rel, o.id, fetched.get(w.rel))));
  for (let attempt = 1; todo.length; attempt++) {
    const bad = await checkAll(todo, cache);
    if (bad.length && attempt >= o.retries) {
      const more = bad.length > 1 ? ` (and ${plural(bad.length - 1, 'more file')})` : '';
      throw new BuildError(`${o.id}: ${cache.urlOf(bad[0].w.rel)}: hash mismatch after ${plural(attempt, 'attempt')}: ${bad[0].problem}${more}`);
    }
    // Downloaded again: a proxy or a mirror in sync may have served a bad copy.
    await Promise.all(bad.map(async b => {
      await cache.drop(b.w.rel);
      await downloaded(cache, b.w.rel, o.id);
    }));
    todo = bad.map(b => b.w);
  }
  return files.size;
}

/** Settles when `rel` is in the cache (`result`: its prefetch's outcome); fails the build when it cannot be. */
async function downloaded(cache: UpstreamCache, rel: string, id: string, result?: FetchResult | Error): Promise<void> {
  const r = result ?? await cache.get(rel).catch((e: Error) => e);
  if (r instanceof Error) throw r instanceof DiskFullError || r instanceof BuildError ? r : new BuildError(`${id}: ${r.message}`);
  if (r === 'missing') throw new BuildError(`${id}: ${cache.urlOf(rel)} is missing upstream (404), though its signed Packages index lists it`);
}

/** Checks the files; records the good ones in `cache.verified`, returns the others. */
async function checkAll(todo: readonly Wanted[], cache: UpstreamCache): Promise<Array<{ w: Wanted; problem: string }>> {
  const fileOf = new Map(todo.map(w => [w, cache.fileOf(w.rel)!]));
  const digests = await fileDigests(new Map(todo.map(w => [fileOf.get(w)!, neededFields(w.expected)])));
  const bad: Array<{ w: Wanted; problem: string }> = [];
  await pool(todo, 16, async w => {
    const file = fileOf.get(w)!;
    const checked = compareFile(w.expected, (await fs.promises.stat(file)).size, digests.get(file)!);
    if ('published' in checked) cache.verified.set(w.rel, { expected: w.expected, checksums: checked.published, by: w.by });
    else bad.push({ w, problem: checked.problem });
  });
  return bad;
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
