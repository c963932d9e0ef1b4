// Downloading a source's packages before aptly asks for them: many at a time, with stall
// timeouts and each file capped at its listed size, straight into aptly's package pool.
import * as fs from 'fs';
import * as path from 'path';
import { checkPoolNames } from './aptly-panics';
import { UpstreamCache } from './fetcher';
import { BuildLog } from './log';
import { fieldOf, IndexEntry, packageSize, totalSize } from './packages-index';
import { compileQuery } from './query-match';
import { DiskFullError, WorkspaceRoom } from './workspace-room';
import { closeOver } from './world-closure';

/** Prefetch parallelism per source: downloads are network-bound; aptly's own default is 4. */
export const PREFETCH_CONCURRENCY = 16;

/** The requested packages and their dependencies inside this source, as aptly's -filter-with-deps takes them. */
export async function prefetch(upstream: readonly IndexEntry[], queries: readonly string[], archs: readonly string[],
  cache: UpstreamCache, poolDir: string, concurrency: number, room: WorkspaceRoom, log: BuildLog, id: string, recommends: boolean): Promise<void> {
  const byName = new Map<string, IndexEntry[]>();
  for (const e of upstream) {
    for (const n of [e.name, ...e.provides.map(p => p.name)]) {
      const list = byName.get(n);
      if (list) list.push(e);
      else byName.set(n, [e]);
    }
  }
  const matched = new Set<IndexEntry>();
  for (const q of queries) {
    const compiled = compileQuery(q);
    for (const e of compiled.name !== undefined ? byName.get(compiled.name) ?? [] : upstream) if (compiled.matches(e)) matched.add(e);
  }
  // Every package file's listed size bounds its download, whichever step asks for it.
  cache.listSizes(upstream.flatMap(e => {
    const filename = fieldOf(e.stanza, 'Filename');
    return filename ? [[filename, packageSize(e)] as const] : [];
  }));
  const wanted = new Set(matched);
  for (const arch of archs.filter(a => a !== 'all').length ? archs.filter(a => a !== 'all') : ['amd64']) {
    // With Recommends followed, aptly's -filter-with-deps takes them too: fetch them here as well.
    const closed = closeOver({ have: [...matched], requested: [...matched], universe: upstream, arch, followRecommends: () => recommends });
    for (const e of closed.additions) wanted.add(e);
  }
  checkPoolNames([...wanted], id);
  await room.take(totalSize([...wanted]), poolDir, id);
  const started = Date.now();
  const count = await fetchIntoPool([...wanted], cache, poolDir, concurrency);
  log.say(`${id}: prefetched ${count} package files in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

/**
 * Downloads package files (one curl process, parallel transfers) and hard-links each into aptly's
 * package pool where aptly looks for it (`<sha256[0:2]>/<sha256[2:4]>/<sha256[4:32]>_<file>`):
 * `mirror update` then verifies the checksums itself and downloads nothing. A failed download is
 * not fatal here: aptly asks for the file again, and its error then names it.
 */
export async function fetchIntoPool(entries: readonly IndexEntry[], cache: UpstreamCache, poolDir: string, concurrency: number): Promise<number> {
  const files = new Map<string, string | undefined>();
  for (const e of entries) {
    const filename = fieldOf(e.stanza, 'Filename');
    const sha256 = fieldOf(e.stanza, 'SHA256');
    if (filename) files.set(filename, sha256 && /^[0-9a-f]{64}$/.test(sha256) ? sha256 : undefined);
  }
  const fetched = await cache.prefetch([...files.keys()], concurrency);
  // A hard link shares the file's blocks: the cache copy costs no space and goes with the workspace.
  const dirs = new Map<string, Promise<unknown>>();
  await Promise.all([...files].map(async ([rel, sha]) => {
    const file = cache.fileOf(rel);
    // This prefetch's own result (a failure is not downloaded again here, only when aptly asks),
    // or the download already under way. A full disk fails the build now; any other failure is
    // aptly's to retry and report.
    const result = fetched.get(rel) ?? await cache.get(rel).catch((e: Error) => e);
    if (result instanceof DiskFullError) throw result;
    if (!sha || !file || result !== 'ok') return;
    const target = path.join(poolDir, sha.slice(0, 2), sha.slice(2, 4), `${sha.slice(4, 32)}_${path.posix.basename(rel)}`);
    const dir = path.dirname(target);
    if (!dirs.has(dir)) dirs.set(dir, fs.promises.mkdir(dir, { recursive: true }));
    await dirs.get(dir);
    await fs.promises.link(file, target).catch(() => fs.promises.copyFile(file, target));
  }));
  return files.size;
}
