// Upstream Packages indexes: the file aptly will read, checked against the signed Release's
// SHA256, decompressed and parsed into entries for query matching and dependency resolution.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as zlib from 'zlib';
import { field, parseParagraph } from './control';
import { UpstreamCache } from '../net/fetcher';
import { BuildError, run } from '../proc';
import { Candidate, Clause, parseRelations, Relation } from './relations';
import { ReleaseInfo } from '../upstream/release';

export interface IndexEntry extends Candidate {
  /** Index of the source in build.json. */
  readonly source: number;
  /** Component as published (what the user wrote; `main` for a flat repository). */
  readonly component: string;
  /** The stanza as upstream wrote it. */
  readonly stanza: string;
  readonly key: string;
}

/** aptly's order of preference (http.DownloadTryCompression), so aptly and we read the same file. */
const COMPRESSIONS = ['.bz2', '.gz', '.xz', ''];

/** `<comp>/binary-<arch>/Packages` or, flat, `Packages` (relative to the Release). */
export function indexPath(component: string | undefined, arch: string): string {
  return component === undefined ? 'Packages' : `${component}/binary-${arch}/Packages`;
}

export async function loadIndex(opts: {
  cache: UpstreamCache;
  release: ReleaseInfo;
  /** Path of the index relative to the Release, without compression suffix. */
  path: string;
  verify: boolean;
  what: string;
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
    return decompress(data, rel, file);
  }
  throw new BuildError(`${what}: cannot download ${cache.urlOf(release.base + opts.path)} (tried ${candidates.join(', ')})`);
}

async function decompress(data: Buffer, rel: string, file: string): Promise<string> {
  if (rel.endsWith('.gz')) return zlib.gunzipSync(data).toString('utf8');
  if (rel.endsWith('.xz') || rel.endsWith('.bz2')) {
    const r = await run(rel.endsWith('.xz') ? 'xz' : 'bzip2', ['-dc', file]);
    if (r.code !== 0) throw new BuildError(`cannot decompress ${rel}: ${r.stderr.trim()}`);
    return r.stdout;
  }
  return data.toString('utf8');
}

/** Parses a Packages file into entries. */
export function parseIndex(text: string, source: number, component: string): IndexEntry[] {
  const entries: IndexEntry[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    if (!block.trim()) continue;
    const name = fieldOf(block, 'Package');
    const version = fieldOf(block, 'Version');
    const architecture = fieldOf(block, 'Architecture');
    if (!name || !version || !architecture) continue;
    const provides: Relation[] = parseRelations(fieldOf(block, 'Provides')).map(c => c[0]);
    entries.push({ name, version, architecture, provides, source, component, stanza: block.trim(), key: `${name} ${version} ${architecture}` });
  }
  return entries;
}

const FIELD_PATTERNS = new Map<string, RegExp>();

/** A field of one stanza's text (continuation lines joined), without parsing the whole stanza. */
export function fieldOf(block: string, name: string): string | undefined {
  let re = FIELD_PATTERNS.get(name);
  if (!re) {
    re = new RegExp(`^${name}:[ \\t]*(.*(?:\\n[ \\t]+.*)*)`, 'm');
    FIELD_PATTERNS.set(name, re);
  }
  const m = re.exec(block);
  return m ? m[1].replace(/\s*\n\s*/g, ' ').trim() : undefined;
}

const depCache = new WeakMap<IndexEntry, Clause[]>();

/** Pre-Depends and Depends, parsed once. */
export function dependencies(e: IndexEntry): Clause[] {
  let deps = depCache.get(e);
  if (!deps) {
    deps = [...parseRelations(fieldOf(e.stanza, 'Pre-Depends')), ...parseRelations(fieldOf(e.stanza, 'Depends'))];
    depCache.set(e, deps);
  }
  return deps;
}

/** Any field of the stanza (continuation lines joined), for query matching. */
export function stanzaField(e: IndexEntry, name: string): string | undefined {
  return field(parseParagraph(e.stanza), name);
}

/** The package file's size in bytes, as its stanza says. */
export function packageSize(e: IndexEntry): number {
  return Number(fieldOf(e.stanza, 'Size') ?? 0);
}

/** Total size of the package files of `entries`, bytes. */
export function totalSize(entries: readonly IndexEntry[]): number {
  return entries.reduce((n, e) => n + packageSize(e), 0);
}
