// Dependency closure over a world: the sources a client of one release installs from together
// (its pockets plus vendor repositories for it). A dependency is satisfied when any mirrored source
// of the world provides it; otherwise it is taken (transitively) from whichever upstream of the
// world has it. What no upstream has is "missing", attributed to the requested package needing it.
// Recommends are followed like apt installs them by default (where the source follows them): taken
// from the world when some upstream has them, else left out; a package reached only through a
// Recommends is "soft": a dependency it lacks makes apt skip it, so it is reported, never gated.
import { compareVersions } from './deb/debian-version';
import { NameIndex } from './deb/name-index';
import { dependencies, fieldOf, IndexEntry } from './deb/packages-index';
import { Candidate, Clause, formatClause, parseRelations, satisfies } from './deb/relations';

export interface MissingDependency {
  readonly clause: string;
  readonly architecture: string;
  /** The package whose dependency is missing. */
  readonly entry: IndexEntry;
  /** entry, its dependent, ..., the requested package (when reached from one). */
  readonly chain: IndexEntry[];
}

export interface Closure {
  /** Entries to add to the mirror, from any upstream of the world. */
  readonly additions: IndexEntry[];
  readonly missing: MissingDependency[];
  /**
   * Dependencies missing for packages reached only through a Recommends: apt skips such a
   * package, so they are reported, not gated.
   */
  readonly skipped: MissingDependency[];
}

const softCache = new WeakMap<IndexEntry, Map<string, Clause[]>>();

/** Recommends or Suggests of a package, parsed once. */
export function softRelations(e: IndexEntry, field: 'Recommends' | 'Suggests'): Clause[] {
  let byField = softCache.get(e);
  if (!byField) softCache.set(e, byField = new Map());
  let clauses = byField.get(field);
  if (!clauses) byField.set(field, clauses = parseRelations(fieldOf(e.stanza, field)));
  return clauses;
}

function forArch(entries: readonly IndexEntry[], arch: string): IndexEntry[] {
  return entries.filter(e => e.architecture === arch || e.architecture === 'all');
}

/**
 * Closes `have` (what is mirrored) over `universe` (every upstream package of the world) for a
 * client of architecture `arch`. `requested` entries are visited first so that each missing
 * dependency can be traced back to a package a user asked for.
 */
export function closeOver(opts: {
  have: readonly IndexEntry[];
  requested: readonly IndexEntry[];
  universe: readonly IndexEntry[];
  arch: string;
  /** Whether a package's Recommends are followed (its source's `recommends`). @default - never */
  followRecommends?: (e: IndexEntry) => boolean;
}): Closure {
  return new ClosureWalk(opts.have, opts.universe, opts.arch, opts.followRecommends ?? (() => false)).run(forArch(opts.requested, opts.arch));
}

/** One closure: what is had so far, the world's candidates, and the breadth-first walk. */
class ClosureWalk {
  private readonly have = new NameIndex();
  private readonly haveSet = new Set<IndexEntry>();
  private readonly universe = new NameIndex();
  /** The newest version of each `name arch` in the world. */
  private readonly newest = new Map<string, IndexEntry>();
  /** Every version of each `name arch` in the world. */
  private readonly versions = new Map<string, IndexEntry[]>();
  private readonly parent = new Map<IndexEntry, IndexEntry | undefined>();
  /** Visited entries reached only through a Recommends (so far). */
  private readonly soft = new Set<IndexEntry>();
  private readonly queue: IndexEntry[] = [];
  private readonly done = new Set<IndexEntry>();
  private readonly additions: IndexEntry[] = [];
  private readonly missing: MissingDependency[] = [];
  private readonly skipped: MissingDependency[] = [];

  constructor(have: readonly IndexEntry[], universe: readonly IndexEntry[], private readonly arch: string,
    private readonly followRecommends: (e: IndexEntry) => boolean) {
    for (const e of forArch(have, arch)) {
      this.have.add(e);
      this.haveSet.add(e);
    }
    // apt installs the newest version of a package that its sources offer: that is the one whose
    // dependencies must hold (an older copy pulled by one pocket is never a client's candidate).
    for (const e of forArch(universe, arch)) {
      this.universe.add(e);
      const k = `${e.name} ${e.architecture}`;
      const cur = this.newest.get(k);
      if (!cur || compareVersions(e.version, cur.version) > 0) this.newest.set(k, e);
      const list = this.versions.get(k) ?? [];
      list.push(e);
      this.versions.set(k, list);
    }
  }

  public run(requested: IndexEntry[]): Closure {
    for (const e of requested) this.visit(e, undefined, false);
    const requestedSet = new Set(requested);
    // Mirrored packages come after all that the requested ones reach (additions included), so that a
    // chain through a mirrored package still ends at the requested package needing it.
    // A mirrored package already reached through a Recommends stays soft: that is why it is here.
    const mirrored = [...this.haveSet];
    for (let next = 0; ; next++) {
      if (next === this.queue.length) mirrored.splice(0).forEach(m => this.parent.has(m) || this.visit(m, undefined, false));
      if (next === this.queue.length) break;
      const e = this.queue[next];
      if (this.done.has(e)) continue;
      this.done.add(e);
      if (!this.parent.has(e)) this.parent.set(e, undefined);
      const soft = this.soft.has(e);
      const top = this.upgradeOf(e, requestedSet.has(e));
      if (top && !this.haveSet.has(top)) this.add(top, this.parent.get(e), soft);
      for (const clause of dependencies(e)) this.satisfy(e, clause, soft);
      if (this.followRecommends(e)) for (const clause of softRelations(e, 'Recommends')) this.recommend(e, clause);
    }
    // A package first reached softly and later through a dependency was walked again, as needed.
    const skipped = this.skipped.filter(m => this.soft.has(m.entry));
    return { additions: this.additions, missing: this.missing, skipped };
  }

  /** Satisfies one dependency of `e` from what is had, else from the world, else records it missing. */
  private satisfy(e: IndexEntry, clause: Clause, soft: boolean): void {
    const present = firstSatisfying(this.have, clause, this.arch);
    if (present) {
      this.visit(present, e, soft);
      return;
    }
    const pick = bestCandidate(this.universe, clause, this.arch, e);
    if (pick) {
      this.add(pick, e, soft);
      return;
    }
    (soft ? this.skipped : this.missing).push({ clause: formatClause(clause), architecture: this.arch, entry: e, chain: chainOf(e, this.parent) });
  }

  /** Takes one Recommends of `e` as apt would install it; what no upstream has is left out (reported later). */
  private recommend(e: IndexEntry, clause: Clause): void {
    const present = firstSatisfying(this.have, clause, this.arch);
    const pick = present ?? bestCandidate(this.universe, clause, this.arch, e);
    if (!pick) return;
    if (present) this.visit(present, e, true);
    else this.add(pick, e, true);
  }

  private add(e: IndexEntry, from: IndexEntry | undefined, soft: boolean): void {
    this.have.add(e);
    this.haveSet.add(e);
    this.additions.push(e);
    this.visit(e, from, soft);
  }

  private visit(e: IndexEntry, from: IndexEntry | undefined, soft: boolean): void {
    if (this.parent.has(e)) {
      // Reached through a dependency after a Recommends: walked again, its dependencies now hard.
      if (!soft && this.soft.delete(e)) {
        this.parent.set(e, from);
        this.done.delete(e);
        this.queue.push(e);
      }
      return;
    }
    this.parent.set(e, from);
    if (soft) this.soft.add(e);
    this.queue.push(e);
  }

  /**
   * The version a client installs instead of `e`: for a dependency, the world's newest; for a
   * requested package, the newest that another source of the world has (a security or updates
   * pocket), while the query's choice among its own source's versions stands (`multi (<< 2)`).
   */
  private upgradeOf(e: IndexEntry, requested: boolean): IndexEntry | undefined {
    const k = `${e.name} ${e.architecture}`;
    const candidates = requested ? (this.versions.get(k) ?? []).filter(o => o.source !== e.source) : [this.newest.get(k)!].filter(Boolean);
    let best: IndexEntry | undefined;
    for (const o of candidates) if (compareVersions(o.version, (best ?? e).version) > 0) best = o;
    return best;
  }
}

function firstSatisfying(index: NameIndex, clause: Clause, arch: string): IndexEntry | undefined {
  for (const rel of clause) {
    for (const e of index.get(rel.name)) if (satisfies(e as Candidate, rel, arch)) return e;
  }
  return undefined;
}

/** apt's choice in spirit: the first alternative anyone has; the dependent's own source first, then the newest. */
function bestCandidate(index: NameIndex, clause: Clause, arch: string, dependent: IndexEntry): IndexEntry | undefined {
  for (const rel of clause) {
    const options = index.get(rel.name).filter(e => satisfies(e, rel, arch));
    if (!options.length) continue;
    const real = options.filter(e => e.name === rel.name);
    const pool = real.length ? real : options;
    return pool.sort((a, b) => Number(b.source === dependent.source) - Number(a.source === dependent.source)
      || compareVersions(b.version, a.version) || a.source - b.source)[0];
  }
  return undefined;
}

function chainOf(e: IndexEntry, parent: Map<IndexEntry, IndexEntry | undefined>): IndexEntry[] {
  const chain: IndexEntry[] = [e];
  let cur = parent.get(e);
  while (cur && chain.length < 50 && !chain.includes(cur)) {
    chain.push(cur);
    cur = parent.get(cur);
  }
  return chain;
}

/**
 * One line per missing dependency and chain, architectures merged:
 * `libfoo (>= 2) [amd64, arm64], needed by bar 1.0 <- baz 2.0 (requested from debian/bookworm)`
 */
export function describeMissing(missing: readonly MissingDependency[], sourceIds: readonly string[],
  requested: ReadonlySet<IndexEntry>): Array<{ line: string; root: IndexEntry }> {
  const byText = new Map<string, { archs: string[]; root: IndexEntry; tail: string }>();
  for (const m of missing) {
    const root = m.chain[m.chain.length - 1];
    const via = m.chain.map(e => `${e.name} ${e.version}`).join(' <- ');
    const origin = requested.has(root) ? `requested from ${sourceIds[root.source]}` : `mirrored by ${sourceIds[root.source]}`;
    const key = `${m.clause}\t${via}\t${origin}`;
    const entry = byText.get(key) ?? { archs: [], root, tail: `, needed by ${via} (${origin})` };
    if (!entry.archs.includes(m.architecture)) entry.archs.push(m.architecture);
    byText.set(key, entry);
  }
  return [...byText].map(([key, v]) => ({ line: `${key.split('\t')[0]} [${v.archs.join(', ')}]${v.tail}`, root: v.root }));
}

/** A Recommends or Suggests of a mirrored package that nothing mirrored satisfies. */
export interface LeftOut {
  readonly field: 'Recommends' | 'Suggests';
  readonly clause: string;
  readonly architecture: string;
  /** The mirrored package that recommends or suggests it. */
  readonly by: IndexEntry;
}

/** The Recommends and Suggests of `have` (for a client of `arch`) that nothing in `have` satisfies. */
export function leftOutRelations(have: readonly IndexEntry[], arch: string): LeftOut[] {
  const mine = forArch(have, arch);
  const index = new NameIndex();
  mine.forEach(e => index.add(e));
  const left: LeftOut[] = [];
  for (const e of mine) {
    for (const field of ['Recommends', 'Suggests'] as const) {
      for (const clause of softRelations(e, field)) {
        if (!firstSatisfying(index, clause, arch)) left.push({ field, clause: formatClause(clause), architecture: arch, by: e });
      }
    }
  }
  return left;
}
