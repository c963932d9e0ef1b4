// Downloading a source's packages before aptly asks for them: many at a time, with stall
// timeouts, straight into aptly's package pool.
import * as fs from 'fs';
import * as path from 'path';
import { UpstreamCache } from './fetcher';
import { BuildLog } from './log';
import { IndexEntry } from './packages-index';
import { BuildError } from './proc';
import { compileQuery } from './query-match';
import { closeOver } from './world-closure';

/** Prefetch parallelism per source: downloads are network-bound; aptly's own default is 4. */
export const PREFETCH_CONCURRENCY = 16;

/** The requested packages and their dependencies inside this source, as aptly's -filter-with-deps takes them. */
export async function prefetch(upstream: readonly IndexEntry[], queries: readonly string[], archs: readonly string[],
  cache: UpstreamCache, poolDir: string, concurrency: number, log: BuildLog, id: string): Promise<void> {
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
  const wanted = new Set(matched);
  for (const arch of archs.filter(a => a !== 'all').length ? archs.filter(a => a !== 'all') : ['amd64']) {
    for (const e of closeOver({ have: [...matched], requested: [...matched], universe: upstream, arch }).additions) wanted.add(e);
  }
  await checkRoom([...wanted], poolDir, id);
  const started = Date.now();
  const count = await fetchIntoPool([...wanted], cache, poolDir, concurrency);
  log.say(`${id}: prefetched ${count} package files in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

/**
 * Fails before downloading when the workspace cannot hold this source's packages (with room for
 * aptly's publish and the image step, which the image step checks again). Sources that download
 * at the same time each see the room left; the check catches a mirror far too big, early.
 */
async function checkRoom(entries: readonly IndexEntry[], poolDir: string, id: string): Promise<void> {
  const bytes = entries.reduce((n, e) => n + Number(/^Size:\s*(\d+)/m.exec(e.stanza)?.[1] ?? 0), 0);
  await fs.promises.mkdir(poolDir, { recursive: true });
  const stat = await fs.promises.statfs(poolDir);
  let free = stat.bavail * stat.bsize;
  const limitMib = Number(process.env.MINI_MIRROR_WORKSPACE_LIMIT_MIB);
  const workspace = process.env.MINI_MIRROR_WORKSPACE ?? '/workspace';
  if (limitMib > 0) free = Math.min(free, limitMib * 1024 * 1024 - await du(workspace));
  if (bytes > free) {
    throw new BuildError(`${id}: its packages need ${Math.ceil(bytes / 1048576)} MiB and the workspace has ${Math.max(0, Math.floor(free / 1048576))} MiB left: `
      + 'raise BuildOptions.mirrorSizeEstimate (the workspace is 2 x the estimate + 1Gi), give BuildOptions.workspaceVolumeClaim a larger claim, or mirror fewer packages');
  }
}

/** Bytes below `dir` (st_blocks, as du counts them). */
async function du(dir: string): Promise<number> {
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.promises.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else total += ((await fs.promises.lstat(p).catch(() => undefined))?.blocks ?? 0) * 512;
    }
  };
  await walk(dir);
  return total;
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
    const filename = /^Filename:\s*(\S+)/m.exec(e.stanza)?.[1];
    if (filename) files.set(filename, /^SHA256:\s*([0-9a-f]{64})/m.exec(e.stanza)?.[1]);
  }
  await cache.prefetch([...files.keys()], concurrency);
  // A hard link shares the file's blocks: the cache copy costs no space and goes with the workspace.
  const dirs = new Map<string, Promise<unknown>>();
  await Promise.all([...files].map(async ([rel, sha]) => {
    const file = cache.fileOf(rel);
    if (!sha || !file || await cache.get(rel).catch(() => 'missing') !== 'ok') return;
    const target = path.join(poolDir, sha.slice(0, 2), sha.slice(2, 4), `${sha.slice(4, 32)}_${path.posix.basename(rel)}`);
    const dir = path.dirname(target);
    if (!dirs.has(dir)) dirs.set(dir, fs.promises.mkdir(dir, { recursive: true }));
    await dirs.get(dir);
    await fs.promises.link(file, target).catch(() => fs.promises.copyFile(file, target));
  }));
  return files.size;
}
