// Downloading a source's packages before aptly asks for them: many at a time, with stall
// timeouts and each file capped at its listed size, straight into aptly's package pool.
import * as fs from 'fs';
import * as path from 'path';
import { UpstreamCache } from './fetcher';
import { HardLinks } from './hard-links';
import { fetchVerified } from './verified-download';
import { checkPoolNames } from '../aptly/panics';
import { NameIndex } from '../deb/name-index';
import { fieldOf, IndexEntry, packageSize, totalSize } from '../deb/packages-index';
import { compileQuery } from '../deb/query-match';
import { BuildLog, DownloadProgress, estimateLine, PROGRESS_INTERVAL_MS } from '../log';
import { DiskFullError, WorkspaceRoom } from '../workspace-room';
import { closeOver } from '../world-closure';

/** Prefetch parallelism per source: downloads are network-bound; aptly's own default is 4. */
export const PREFETCH_CONCURRENCY = 16;

/** One source's prefetch: what it asks for upstream, and where its package files go. */
export interface PrefetchJob {
  /** The source's upstream packages, by name and Provides. */
  readonly upstream: NameIndex;
  readonly queries: readonly string[];
  readonly archs: readonly string[];
  /** Whether Recommends are followed (aptly's -filter-with-deps then takes them too). */
  readonly recommends: boolean;
  readonly cache: UpstreamCache;
  /** aptly's package pool. */
  readonly poolDir: string;
  readonly concurrency: number;
  readonly id: string;
  /** The packages the runner chose and indexes itself: these are downloaded and verified, nothing goes to aptly's pool. */
  readonly verified?: { readonly entries: readonly IndexEntry[]; readonly retries: number };
}

/** The requested packages and their dependencies inside this source, as aptly's -filter-with-deps takes them. */
export async function prefetch(job: PrefetchJob, services: { readonly room: WorkspaceRoom; readonly log: BuildLog }): Promise<void> {
  const { cache, id } = job;
  const { room, log } = services;
  const wanted = job.verified ? [...job.verified.entries] : [...wantedPackages(job)];
  // aptly crashes on some pool names; the runner's own indexes have no such limit.
  if (!job.verified) checkPoolNames(wanted, id);
  await room.take(totalSize(wanted), job.poolDir, id);
  const started = Date.now();
  const { fetch, reused } = downloadPlan(wanted, cache);
  log.say(estimateLine(id, { files: fetch.size, bytes: sum(fetch.values()) }, reused));
  const count = await withProgress(fetch, cache, new DownloadProgress(log, id, { files: fetch.size, bytes: sum(fetch.values()) }),
    () => job.verified ? fetchVerified(wanted, cache, { concurrency: job.concurrency, retries: job.verified.retries, id })
      : fetchIntoPool(wanted, cache, job.poolDir, job.concurrency));
  log.say(`${id}: prefetched ${count} package files in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

/** What the queries match, and what that needs from this source (and recommends, when followed) for each architecture. */
function wantedPackages(job: PrefetchJob): Set<IndexEntry> {
  const { upstream, archs } = job;
  const matched = new Set<IndexEntry>();
  for (const q of job.queries) {
    const compiled = compileQuery(q);
    for (const e of compiled.name !== undefined ? upstream.get(compiled.name) : upstream.entries) if (compiled.matches(e)) matched.add(e);
  }
  const wanted = new Set(matched);
  for (const arch of archs.filter(a => a !== 'all').length ? archs.filter(a => a !== 'all') : ['amd64']) {
    // With Recommends followed, aptly's -filter-with-deps takes them too: fetch them here as well.
    const have = [...matched];
    const closed = closeOver({ have, requested: have, universe: upstream.entries, arch, followRecommends: () => job.recommends });
    for (const e of closed.additions) wanted.add(e);
  }
  return wanted;
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
  const links = new HardLinks();
  await Promise.all([...files].map(async ([rel, sha]) => {
    const file = cache.fileOf(rel);
    // This prefetch's own result (a failure is not downloaded again here, only when aptly asks),
    // or the download already under way. A full disk fails the build now; any other failure is
    // aptly's to retry and report.
    const result = fetched.get(rel) ?? await cache.get(rel).catch((e: Error) => e);
    if (result instanceof DiskFullError) throw result;
    if (!sha || !file || result !== 'ok') return;
    await links.place(file, path.join(poolDir, sha.slice(0, 2), sha.slice(2, 4), `${sha.slice(4, 32)}_${path.posix.basename(rel)}`));
  }));
  return files.size;
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/** The package files still to download (path → listed size) and those this build fetched already. */
export function downloadPlan(entries: readonly IndexEntry[], cache: Pick<UpstreamCache, 'has'>)
  : { fetch: Map<string, number>; reused: { files: number; bytes: number } } {
  const fetch = new Map<string, number>();
  const kept = new Map<string, number>();
  for (const e of entries) {
    const filename = fieldOf(e.stanza, 'Filename');
    if (filename) (cache.has(filename) ? kept : fetch).set(filename, packageSize(e));
  }
  return { fetch, reused: { files: kept.size, bytes: sum(kept.values()) } };
}

/**
 * Files and bytes on disk so far: finished files, and curl's `.part` files while it runs (curl
 * reports its transfers only when a whole batch is done). curl starts transfers in the order it
 * is given, which is this map's order: after `maxGap` files in a row not yet started, none of the
 * rest has started either, and a large source is not stat()ed whole every few seconds.
 */
export class DownloadMeter {
  private readonly finished = new Set<string>();
  private finishedBytes = 0;

  constructor(private readonly files: ReadonlyMap<string, number>, private readonly maxGap = 256) {}

  public async measure(): Promise<{ files: number; bytes: number }> {
    let partial = 0;
    let gap = 0;
    for (const [file, size] of this.files) {
      if (this.finished.has(file)) continue;
      const done = await fs.promises.stat(file).then(st => st.size, () => undefined);
      if (done !== undefined) {
        this.finished.add(file);
        this.finishedBytes += done;
        gap = 0;
        continue;
      }
      const sofar = await fs.promises.stat(`${file}.part`).then(st => Math.min(st.size, size), () => undefined);
      if (sofar !== undefined) {
        partial += sofar;
        gap = 0;
      } else if (++gap >= this.maxGap) {
        break;
      }
    }
    return { files: this.finished.size, bytes: this.finishedBytes + partial };
  }
}

/** Runs `fn` (the downloads of `fetch`) and logs their progress every few seconds meanwhile. */
async function withProgress<T>(fetch: ReadonlyMap<string, number>, cache: UpstreamCache, progress: DownloadProgress,
  fn: () => Promise<T>): Promise<T> {
  const files = new Map<string, number>();
  for (const [rel, size] of fetch) {
    const file = cache.fileOf(rel);
    if (file) files.set(file, size);
  }
  const meter = new DownloadMeter(files);
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void meter.measure().then(m => progress.update(m.files, m.bytes)).finally(() => busy = false);
  }, PROGRESS_INTERVAL_MS / 2); // polled twice per interval: a line every interval, not every other
  timer.unref();
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}
