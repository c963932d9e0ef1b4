// Dependency relations of Packages stanzas (Depends, Pre-Depends, Provides), as apt reads them.
import { satisfiesVersion } from './debian-version';

export interface Relation {
  readonly name: string;
  /** Architecture qualifier after ':' (`any`, `native`, or an architecture), if any. */
  readonly archQualifier?: string;
  readonly op?: string;
  readonly version?: string;
}

/** One clause: alternatives separated by `|`. */
export type Clause = Relation[];

const RELATION = /^([a-z0-9][a-z0-9+.-]*)(?::([a-z0-9-]+))?\s*(?:\(\s*(<<|<=|=|>=|>>|<|>)\s*([^)\s]+)\s*\))?\s*(?:\[[^\]]*\])?\s*(?:<[^>]*>\s*)*$/;

export function parseRelations(text: string | undefined): Clause[] {
  if (!text) return [];
  const clauses: Clause[] = [];
  for (const part of text.split(',')) {
    const alternatives: Relation[] = [];
    for (const alt of part.split('|')) {
      const m = RELATION.exec(alt.trim().replace(/\s+/g, ' '));
      if (m) alternatives.push({ name: m[1], archQualifier: m[2], op: m[3], version: m[4] });
    }
    if (alternatives.length) clauses.push(alternatives);
  }
  return clauses;
}

export function formatRelation(r: Relation): string {
  return `${r.name}${r.archQualifier ? `:${r.archQualifier}` : ''}${r.op ? ` (${r.op} ${r.version})` : ''}`;
}

export function formatClause(c: Clause): string {
  return c.map(formatRelation).join(' | ');
}

/** A package as far as dependency resolution cares. */
export interface Candidate {
  readonly name: string;
  readonly version: string;
  readonly architecture: string;
  readonly provides: readonly Relation[];
}

/** Whether `pkg` satisfies `rel` for a client of architecture `arch` (apt's rules, Multi-Arch simplified). */
export function satisfies(pkg: Candidate, rel: Relation, arch: string): boolean {
  if (pkg.architecture !== 'all' && pkg.architecture !== arch) return false;
  if (rel.archQualifier && rel.archQualifier !== 'any' && rel.archQualifier !== 'native'
    && rel.archQualifier !== arch && pkg.architecture !== 'all') return false;
  if (pkg.name === rel.name) {
    return !rel.op || satisfiesVersion(pkg.version, rel.op, rel.version!);
  }
  for (const p of pkg.provides) {
    if (p.name !== rel.name) continue;
    if (!rel.op) return true;
    // A versioned dependency is satisfied only by a versioned Provides.
    if (p.op === '=' && p.version !== undefined && satisfiesVersion(p.version, rel.op, rel.version!)) return true;
  }
  return false;
}
