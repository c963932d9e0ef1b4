// Dependency closure over a world: the sources a client of one release installs from together
// (its pockets plus vendor repositories for it). A dependency is satisfied when any mirrored source
// of the world provides it; otherwise it is taken (transitively) from whichever upstream of the
// world has it. What no upstream has is "missing", attributed to the requested package needing it.
import { dependencies, IndexEntry } from './packages-index';
import { Candidate, Clause, formatClause, satisfies } from './relations';
import { compareVersions } from './debian-version';

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
}

class NameIndex {
  private readonly map = new Map<string, IndexEntry[]>();
  public add(e: IndexEntry): void {
    this.push(e.name, e);
    for (const p of e.provides) if (p.name !== e.name) this.push(p.name, e);
  }
  public get(name: string): IndexEntry[] {
    return this.map.get(name) ?? [];
  }
  private push(name: string, e: IndexEntry): void {
    const list = this.map.get(name);
    if (list) list.push(e);
    else this.map.set(name, [e]);
  }
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
}): Closure {
  const { arch } = opts;
  const have = new NameIndex();
  const haveSet = new Set<IndexEntry>();
  for (const e of forArch(opts.have, arch)) {
    have.add(e);
    haveSet.add(e);
  }
  const universe = new NameIndex();
  for (const e of forArch(opts.universe, arch)) universe.add(e);

  const parent = new Map<IndexEntry, IndexEntry | undefined>();
  const queue: IndexEntry[] = [];
  const visit = (e: IndexEntry, from: IndexEntry | undefined) => {
    if (parent.has(e)) return;
    parent.set(e, from);
    queue.push(e);
  };
  const requested = forArch(opts.requested, arch);
  for (const e of requested) visit(e, undefined);
  const requestedSet = new Set(requested);
  for (const e of haveSet) if (!requestedSet.has(e)) queue.push(e);

  const additions: IndexEntry[] = [];
  const missing: MissingDependency[] = [];
  const done = new Set<IndexEntry>();
  for (let next = 0; next < queue.length; next++) {
    const e = queue[next];
    if (done.has(e)) continue;
    done.add(e);
    if (!parent.has(e)) parent.set(e, undefined);
    for (const clause of dependencies(e)) {
      const present = firstSatisfying(have, clause, arch);
      if (present) {
        visit(present, e);
        continue;
      }
      const pick = bestCandidate(universe, clause, arch, e);
      if (pick) {
        have.add(pick);
        haveSet.add(pick);
        additions.push(pick);
        visit(pick, e);
        continue;
      }
      missing.push({ clause: formatClause(clause), architecture: arch, entry: e, chain: chainOf(e, parent) });
    }
  }
  return { additions, missing };
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

/** `libfoo (>= 2) [amd64], needed by bar 1.0 <- baz 2.0 (requested from debian/bookworm)` */
export function describeMissing(m: MissingDependency, sourceIds: readonly string[], requested: ReadonlySet<IndexEntry>): string {
  const root = m.chain[m.chain.length - 1];
  const via = m.chain.map(e => `${e.name} ${e.version}`).join(' <- ');
  const origin = requested.has(root) ? `requested from ${sourceIds[root.source]}` : `mirrored by ${sourceIds[root.source]}`;
  return `${m.clause} [${m.architecture}], needed by ${via} (${origin})`;
}
