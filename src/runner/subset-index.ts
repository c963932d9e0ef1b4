// What aptly reads of an upstream, and what it is asked to mirror. aptly parses the whole Packages
// index in each `mirror update` (63,000 stanzas for Debian's main), and its `-filter-with-deps`
// picks among alternatives and providers in Go's random map order: the same inputs gave different
// package sets. So, when our evaluator matches every query as aptly does (no regular expression,
// each query matching something), the runner chooses: the matched packages and their closure as
// apt would install them (world-closure.ts, the same walk prefetch downloads), mirrored by exact
// `name_version_arch` references from an index holding just those stanzas. When the source's aptly
// config follows more (Suggests, all variants), aptly still resolves, from a subset that holds
// every package named by a followed relation of one taken (a superset of what aptly can pick:
// its resolver looks packages up only by those names). Otherwise aptly reads the whole index.
import * as crypto from 'crypto';
import * as fs from 'fs';
import { fieldOf, IndexEntry, indexPath, packageSize } from './deb/packages-index';
import { compileQuery } from './deb/query-match';
import { UpstreamCache } from './net/fetcher';
import { overlayFiles, overlayOf, UpstreamOverlay } from './net/local-upstream';
import { ReleaseInfo } from './upstream/release';
import { closeOver } from './world-closure';

/** The relations aptly follows with `-filter-with-deps`, as the source's aptly config sets them. */
export interface FollowedRelations {
  readonly recommends: boolean;
  readonly suggests: boolean;
  /** aptly's dependencyFollowAllVariants: every alternative of a clause, not the first it finds. */
  readonly allVariants: boolean;
}

/** The aptly config settings that decide what `-filter-with-deps` follows; undefined when no subset can stand in. */
export function followedRelations(aptlyConf: Readonly<Record<string, unknown>>, recommends: boolean): FollowedRelations | undefined {
  // Source packages are not in a Packages index: aptly following them needs what the subset has not.
  if (aptlyConf.dependencyFollowSource === true) return undefined;
  return { recommends, suggests: aptlyConf.dependencyFollowSuggests === true, allVariants: aptlyConf.dependencyFollowAllVariants === true };
}

/** What a source's aptly mirrors are told: exact references (`withDeps` false) or the user's queries. */
export interface MirrorPlan {
  /** The entries aptly can pick (served as the index). */
  readonly entries: ReadonlySet<IndexEntry>;
  /** Exact `name_version_arch` references when the runner chose the packages; undefined: aptly resolves the queries. */
  readonly refs?: string[];
  /**
   * What a closure from the matched packages can look up (every entry of every name reachable), in
   * upstream order: a walk over it makes the same choices as over the whole index (prefetch's).
   */
  readonly universe: IndexEntry[];
}

/**
 * The plan of a source: undefined (aptly reads the whole index and resolves) when a query may
 * match differently in aptly or aptly follows source packages.
 */
export function planSource(o: {
  upstream: readonly IndexEntry[];
  queries: readonly string[];
  archs: readonly string[];
  follow?: FollowedRelations;
}): MirrorPlan | undefined {
  const matched = o.follow && matchedEntries(o.upstream, o.queries);
  if (!matched || !o.follow) return undefined;
  // The walk over upstream looks up only names of this superset: the same choices, in a fraction of the time.
  const reachable = relationClosure(o.upstream, matched, o.follow);
  const universe = o.upstream.filter(e => reachable.has(e));
  if (o.follow.suggests || o.follow.allVariants) return { entries: reachable, universe };
  const entries = new Set(matched);
  const real = o.archs.filter(a => a !== 'all');
  for (const arch of real.length ? real : ['amd64']) {
    const followRecommends = () => o.follow!.recommends;
    const closed = closeOver({ have: [...matched], requested: [...matched], universe, arch, followRecommends });
    for (const e of closed.additions) entries.add(e);
  }
  // In upstream order: the same inputs give the same filters, byte for byte.
  return { entries, refs: universe.filter(e => entries.has(e)).map(e => `${e.name}_${e.version}_${e.architecture}`), universe };
}

/** The entries matched by the queries, or undefined when a query may match differently in aptly. */
export function matchedEntries(upstream: readonly IndexEntry[], queries: readonly string[]): Set<IndexEntry> | undefined {
  const byName = nameIndex(upstream);
  const matched = new Set<IndexEntry>();
  for (const q of queries) {
    // Go's regular expressions and ours may differ at the edges: aptly evaluates those on the whole index.
    if (/\(\s*~/.test(q)) return undefined;
    let compiled;
    try {
      compiled = compileQuery(q);
    } catch {
      return undefined;
    }
    let any = false;
    // A query of one name (or reference) can only match packages of that name or providing it.
    for (const e of compiled.name !== undefined ? byName.get(compiled.name) ?? [] : upstream) {
      if (compiled.matches(e)) {
        matched.add(e);
        any = true;
      }
    }
    if (!any) return undefined;
  }
  return matched;
}

/** Entries by name and by each name they provide (in upstream order). */
function nameIndex(upstream: readonly IndexEntry[]): Map<string, IndexEntry[]> {
  const byName = new Map<string, IndexEntry[]>();
  for (const e of upstream) {
    for (const n of new Set([e.name, ...e.provides.map(p => p.name)])) {
      const list = byName.get(n);
      if (list) list.push(e);
      else byName.set(n, [e]);
    }
  }
  return byName;
}

/** Names a relation field refers to: every alternative, qualifiers and versions dropped (a superset of what parses). */
export function relationNames(text: string | undefined): string[] {
  if (!text) return [];
  return text.split(/[,|]/).map(p => /^\s*([^\s(:[<]+)/.exec(p)?.[1]).filter((n): n is string => !!n);
}

/**
 * `seed` and every entry reachable from it over the followed relations, by name and Provides,
 * with every entry of a name taken: whatever a closure over upstream looks up from `seed` is here.
 */
export function relationClosure(upstream: readonly IndexEntry[], seed: Iterable<IndexEntry>, follow: FollowedRelations): Set<IndexEntry> {
  const byName = nameIndex(upstream);
  const fields = ['Pre-Depends', 'Depends', ...follow.recommends ? ['Recommends'] : [], ...follow.suggests ? ['Suggests'] : []];
  const taken = new Set(seed);
  const queue = [...taken];
  const names = new Set<string>();
  while (queue.length) {
    const e = queue.pop()!;
    // Its own name too: every version of a package taken is there (a closure picks the newest).
    for (const n of [e.name, ...fields.flatMap(f => relationNames(fieldOf(e.stanza, f)))]) {
      if (names.has(n)) continue;
      names.add(n);
      for (const c of byName.get(n) ?? []) {
        if (!taken.has(c)) {
          taken.add(c);
          queue.push(c);
        }
      }
    }
  }
  return taken;
}

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

const HASHES: ReadonlyArray<readonly [string, string]> = [['MD5Sum', 'md5'], ['SHA1', 'sha1'], ['SHA256', 'sha256'], ['SHA512', 'sha512']];

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
  for (const [title, algo] of HASHES) {
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

const serving = new WeakMap<UpstreamCache, SubsetIndex>();

/** The subset a source's cache serves, if any (the world closure widens it before adding mirrors). */
export function subsetOf(cache: UpstreamCache): SubsetIndex | undefined {
  return serving.get(cache);
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
  serving.set(o.cache, subset);
  return subset;
}

/** A source's plan (see planSource), its subset served to aptly on loopback; undefined: aptly reads upstream's whole index. */
export async function planAndServe(o: {
  cache: UpstreamCache;
  upstream: readonly IndexEntry[];
  queries: readonly string[];
  follow?: FollowedRelations;
  where: IndexLayout;
}): Promise<MirrorPlan | undefined> {
  const plan = planSource({ upstream: o.upstream, queries: o.queries, archs: o.where.archs, follow: o.follow });
  if (!plan) return undefined;
  await serveSubset({ cache: o.cache, upstream: o.upstream, entries: plan.entries, where: o.where });
  // Every package file's listed size bounds its download, also when prefetch is given the plan's universe only.
  o.cache.listSizes(o.upstream.flatMap(e => {
    const filename = fieldOf(e.stanza, 'Filename');
    return filename ? [[filename, packageSize(e)] as const] : [];
  }));
  return plan;
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
