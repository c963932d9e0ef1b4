// What a source's aptly mirrors are asked for. aptly's `-filter-with-deps` picks among
// alternatives and providers in Go's random map order (deb/list.go): the same inputs gave
// different package sets. So, when our evaluator matches every query as aptly does (no regular
// expression, each query matching something), the runner chooses: the matched packages and their
// closure as apt would install them (world-closure.ts, the same walk prefetch downloads), mirrored
// by exact `name_version_arch` references. When the source's aptly config follows more (Suggests,
// all variants), aptly still resolves, from a subset holding every package named by a followed
// relation of one taken (a superset of what aptly can pick: its resolver looks packages up only by
// those names). Otherwise aptly reads the whole index. subset-index.ts serves what aptly reads.
import { NameIndex } from './deb/name-index';
import { fieldOf, IndexEntry } from './deb/packages-index';
import { compileQuery } from './deb/query-match';
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
  upstream: NameIndex;
  queries: readonly string[];
  archs: readonly string[];
  follow?: FollowedRelations;
}): MirrorPlan | undefined {
  const matched = o.follow && matchedEntries(o.upstream, o.queries);
  if (!matched || !o.follow) return undefined;
  // The walk over upstream looks up only names of this superset: the same choices, in a fraction of the time.
  const reachable = relationClosure(o.upstream, matched, o.follow);
  const universe = o.upstream.entries.filter(e => reachable.has(e));
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
export function matchedEntries(upstream: NameIndex, queries: readonly string[]): Set<IndexEntry> | undefined {
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
    for (const e of compiled.name !== undefined ? upstream.get(compiled.name) : upstream.entries) {
      if (compiled.matches(e)) {
        matched.add(e);
        any = true;
      }
    }
    if (!any) return undefined;
  }
  return matched;
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
export function relationClosure(upstream: NameIndex, seed: Iterable<IndexEntry>, follow: FollowedRelations): Set<IndexEntry> {
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
      for (const c of upstream.get(n)) {
        if (!taken.has(c)) {
          taken.add(c);
          queue.push(c);
        }
      }
    }
  }
  return taken;
}
