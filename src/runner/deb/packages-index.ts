// Packages index entries: parsed from an index's text (upstream/indexes.ts fetches and checks
// it) for query matching and dependency resolution.
import { field, parseParagraph } from './control';
import { Candidate, Clause, parseRelations, Relation } from './relations';

export interface IndexEntry extends Candidate {
  /** Index of the source in build.json. */
  readonly source: number;
  /** Component as published (what the user wrote; `main` for a flat repository). */
  readonly component: string;
  /** The stanza as upstream wrote it. */
  readonly stanza: string;
  readonly key: string;
}

/** `<comp>/binary-<arch>/Packages` or, flat, `Packages` (relative to the Release). */
export function indexPath(component: string | undefined, arch: string): string {
  return component === undefined ? 'Packages' : `${component}/binary-${arch}/Packages`;
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

/** The first field name a stanza gives twice (compared case-insensitively, as deb822 names are); undefined if none. */
export function repeatedField(block: string): string | undefined {
  const seen = new Set<string>();
  for (const line of block.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0 || line[0] === ' ' || line[0] === '\t') continue;
    const name = line.slice(0, colon).toLowerCase();
    if (seen.has(name)) return line.slice(0, colon);
    seen.add(name);
  }
  return undefined;
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
