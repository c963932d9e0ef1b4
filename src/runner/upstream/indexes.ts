// Upstream Packages indexes: the file aptly will read, checked against the signed Release's
// SHA256, decompressed and parsed into the entries queries and dependencies are resolved in.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as zlib from 'zlib';
import { PublishedComponent } from './offer-checks';
import { fieldOf, IndexEntry, indexPath, packageSize, parseIndex } from '../deb/packages-index';
import { ReleaseInfo } from '../deb/release-info';
import { UpstreamCache } from '../net/fetcher';
import { BuildError, ChildProcesses } from '../proc';

/** aptly's order of preference (http.DownloadTryCompression), so aptly and we read the same file. */
const COMPRESSIONS = ['.bz2', '.gz', '.xz', ''];

export async function loadIndex(opts: {
  cache: UpstreamCache;
  release: ReleaseInfo;
  /** Path of the index relative to the Release, without compression suffix. */
  path: string;
  verify: boolean;
  what: string;
  /** The build's child processes, which xz and bzip2 run among. */
  procs: ChildProcesses;
}): Promise<string> {
  const { cache, release, what } = opts;
  const listed = COMPRESSIONS.map(ext => opts.path + ext).filter(p => release.files.has(p));
  const candidates = listed.length ? listed : opts.verify ? [] : COMPRESSIONS.map(ext => opts.path + ext);
  if (!candidates.length) {
    throw new BuildError(`${what}: the upstream Release lists no ${opts.path}(.gz/.xz): the component or architecture is not published there`);
  }
  for (const rel of candidates) {
    if (await cache.get(release.base + rel) !== 'ok') continue;
    const file = cache.fileOf(release.base + rel)!;
    const data = await fs.promises.readFile(file);
    const expected = release.files.get(rel)?.sha256;
    if (opts.verify && !expected) {
      // The Release may carry SHA256 for other files only: apt refuses an index without a strong hash.
      throw new BuildError(`${what}: the signed Release lists no SHA256 for ${rel} (only weaker hashes): apt refuses it as weak security information; the upstream must publish SHA256 sums`);
    }
    if (opts.verify && expected) {
      const actual = crypto.createHash('sha256').update(data).digest('hex');
      if (actual !== expected) {
        throw new BuildError(`${what}: ${cache.urlOf(release.base + rel)} does not match the SHA256 in the signed Release (got ${actual}): the upstream is being updated or the download was tampered with; retry later`);
      }
    }
    return decompress(data, { rel, file }, opts.procs);
  }
  throw new BuildError(`${what}: cannot download ${cache.urlOf(release.base + opts.path)} (tried ${candidates.join(', ')})`);
}

async function decompress(data: Buffer, where: { rel: string; file: string }, procs: ChildProcesses): Promise<string> {
  const { rel, file } = where;
  if (rel.endsWith('.gz')) return zlib.gunzipSync(data).toString('utf8');
  if (rel.endsWith('.xz') || rel.endsWith('.bz2')) {
    const r = await procs.run(rel.endsWith('.xz') ? 'xz' : 'bzip2', ['-dc', file]);
    if (r.code !== 0) throw new BuildError(`cannot decompress ${rel}: ${r.stderr.trim()}`);
    return r.stdout;
  }
  return data.toString('utf8');
}

/** What `loadUpstream` reads: a source's verified Release, and the components and architectures it mirrors. */
export interface UpstreamIndexes {
  readonly cache: UpstreamCache;
  readonly release: ReleaseInfo;
  /** Index of the source in build.json. */
  readonly index: number;
  readonly components: readonly PublishedComponent[];
  readonly archs: readonly string[];
  readonly verify: boolean;
  readonly id: string;
  /** The build's child processes, which xz and bzip2 run among. */
  readonly procs: ChildProcesses;
}

/** Every upstream package of the source's components and architectures, once each. */
export async function loadUpstream(o: UpstreamIndexes): Promise<IndexEntry[]> {
  const { components, archs } = o;
  const parts = components.length ? components.flatMap(c => archs.map(a => ({ comp: c.name, path: indexPath(c.name, a) })))
    : [{ comp: 'main', path: indexPath(undefined, '') }];
  const seen = new Set<string>();
  const entries: IndexEntry[] = [];
  for (const part of parts) {
    const text = await loadIndex({ cache: o.cache, release: o.release, path: part.path, verify: o.verify, what: o.id, procs: o.procs });
    for (const e of parseIndex(text, o.index, part.comp)) {
      if (components.length === 0 && !archs.includes(e.architecture) && e.architecture !== 'all' && !archs.includes('all')) continue;
      const k = `${e.component}\t${e.key}`;
      if (seen.has(k)) continue;
      seen.add(k);
      entries.push(e);
    }
  }
  // Every package file's listed size bounds its download, whichever step asks for it (prefetch,
  // the world closure, aptly through the loopback server).
  o.cache.listSizes(entries.flatMap(e => {
    const filename = fieldOf(e.stanza, 'Filename');
    return filename ? [[filename, packageSize(e)] as const] : [];
  }));
  return entries;
}
