// What aptly reads of an upstream whose packages the runner chose (subset-plan.ts): aptly parses
// the whole Packages index in each `mirror update` (63,000 stanzas for Debian's main); served
// instead, on loopback, an index of just the entries it may take and a Release to match.
import * as crypto from 'crypto';
import * as fs from 'fs';
import { IndexEntry, indexPath } from './deb/packages-index';
import { RELEASE_CHECKSUMS } from './deb/release-info';
import { UpstreamCache } from './net/fetcher';
import { overlayFiles, overlayOf, UpstreamOverlay } from './net/local-upstream';
import { ReleaseInfo } from './upstream/release';

/** The index files a source's mirrors read, each with the entries of `subset` it lists (in upstream order). */
export function subsetFiles(subset: ReadonlySet<IndexEntry>, upstream: readonly IndexEntry[],
  parts: { components: readonly string[]; archs: readonly string[] }): Map<string, string> {
  const files = new Map<string, string>();
  const ordered = upstream.filter(e => subset.has(e));
  if (!parts.components.length) {
    files.set(indexPath(undefined, ''), packagesText(ordered));
    return files;
  }
  for (const c of parts.components) {
    for (const a of parts.archs) {
      files.set(indexPath(c, a), packagesText(ordered.filter(e => e.component === c && (e.architecture === a || e.architecture === 'all'))));
    }
  }
  return files;
}

function packagesText(entries: readonly IndexEntry[]): string {
  return entries.map(e => `${e.stanza}\n\n`).join('');
}

/**
 * The Release aptly reads beside the subset: upstream's verified text with its checksum lists
 * replaced by the subset files' (aptly checks each index it reads against them) and without
 * Acquire-By-Hash (aptly would ask for the files by upstream's hashes). aptly does not verify a
 * signature here (`-ignore-signatures`): the runner verified upstream's Release and every stanza
 * served comes from an index whose hash that Release lists.
 */
export function subsetRelease(releaseText: string, files: ReadonlyMap<string, string>): string {
  const kept: string[] = [];
  let inList = false;
  for (const line of releaseText.split('\n')) {
    if (/^\s/.test(line) && inList) continue;
    inList = /^(MD5Sum|SHA1|SHA256|SHA512):/.test(line);
    if (inList || /^Acquire-By-Hash:/i.test(line) || line.trim() === '') continue;
    kept.push(line);
  }
  for (const [title, algo] of RELEASE_CHECKSUMS) {
    kept.push(`${title}:`);
    for (const [rel, text] of files) {
      const data = Buffer.from(text, 'utf8');
      kept.push(` ${crypto.createHash(algo).update(data).digest('hex')} ${String(data.length).padStart(16)} ${rel}`);
    }
  }
  return `${kept.join('\n')}\n`;
}

/** Where a source's indexes are: its verified Release, and the components and architectures mirrored. */
export interface IndexLayout {
  readonly info: ReleaseInfo;
  readonly components: readonly string[];
  readonly archs: readonly string[];
}

/** Serves `entries` to aptly in place of the source's upstream indexes, with a Release to match. */
export async function serveSubset(o: {
  cache: UpstreamCache;
  upstream: readonly IndexEntry[];
  entries: ReadonlySet<IndexEntry>;
  where: IndexLayout;
}): Promise<SubsetIndex> {
  // aptly reads the Release the runner verified (pinned in the cache): the subset's keeps its fields.
  const text = await fs.promises.readFile(o.cache.fileOf(`${o.where.info.base}Release`)!, 'utf8');
  const subset = new SubsetIndex(o.upstream, o.entries, { ...o.where, text }, overlayOf(o.cache));
  subset.serve();
  return subset;
}

/** The subset a source serves to aptly, widened when the world closure adds packages of it. */
export class SubsetIndex {
  private readonly subset: Set<IndexEntry>;

  constructor(
    private readonly upstream: readonly IndexEntry[],
    entries: Iterable<IndexEntry>,
    private readonly release: IndexLayout & { readonly text: string },
    private readonly overlay: UpstreamOverlay,
  ) {
    this.subset = new Set(entries);
  }

  public get size(): number {
    return this.subset.size;
  }

  /** Serves the subset's indexes and Release in place of upstream's (until `add` widens them). */
  public serve(): void {
    const files = subsetFiles(this.subset, this.upstream, this.release);
    const base = this.release.info.base;
    const served = new Map<string, string>([[`${base}Release`, subsetRelease(this.release.text, files)]]);
    for (const [rel, text] of files) served.set(base + rel, text);
    overlayFiles(this.overlay, served);
  }

  /** Adds entries (the world closure's additions) and serves the widened subset. */
  public add(entries: readonly IndexEntry[]): void {
    const before = this.subset.size;
    for (const e of entries) this.subset.add(e);
    if (this.subset.size !== before) this.serve();
  }
}
