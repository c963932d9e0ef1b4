// The source's packages.txt, and the check that every query matched a package: one pass over
// what aptly mirrored, with aptly itself asked only about queries our evaluator did not match.
import * as fs from 'fs';
import { compareVersions } from './deb/debian-version';
import { NameIndex } from './deb/name-index';
import { IndexEntry } from './deb/packages-index';
import { compileQuery } from './deb/query-match';
import { BuildError } from './proc';
import type { SourceMirror } from './source-state';
import { nearNames } from '../util/near-names';

export async function readQueries(file: string, id: string): Promise<string[]> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch {
    throw new BuildError(`${id}: ${file} is missing`);
  }
  const queries = text.split('\n').map(l => l.trim()).filter(l => l && !l.startsWith('#'));
  if (!queries.length) throw new BuildError(`${id}: packages.txt holds no package query`);
  return queries;
}

/** A query matching more packages than this is broad, whatever the size of the index. */
export const BROAD_QUERY_PACKAGES = 2000;
/** A query matching more than this share of an index (and more than BROAD_QUERY_FLOOR packages) is broad. */
export const BROAD_QUERY_SHARE = 0.2;
/** Below this many packages no query is broad: small vendor repositories are small anyway. */
export const BROAD_QUERY_FLOOR = 200;

/** The most packages (distinct names) one query may match in an index of `total` names. */
export function broadQueryLimit(total: number): number {
  return Math.min(BROAD_QUERY_PACKAGES, Math.max(BROAD_QUERY_FLOOR, Math.floor(total * BROAD_QUERY_SHARE)));
}

/**
 * The synth-time guard judges queries by their form; this one counts, before anything is
 * downloaded: a query that alone matches more than `broadQueryLimit` upstream packages (by
 * distinct name) fails the build naming it and the count, unless the source allows broad queries.
 */
export function checkQueryBreadth(queries: readonly string[], upstream: NameIndex, id: string, allowBroad: boolean): void {
  if (allowBroad) return;
  const total = new Set(upstream.entries.map(e => e.name)).size;
  const limit = broadQueryLimit(total);
  for (const q of queries) {
    let compiled;
    try {
      compiled = compileQuery(q);
    } catch {
      continue; // what our evaluator cannot read, aptly evaluates (and the match check judges)
    }
    // A query on one name matches that name and its providers: never more than the limit in practice.
    if (compiled.name !== undefined && upstream.get(compiled.name).length <= limit) continue;
    const candidates = compiled.name !== undefined ? upstream.get(compiled.name) : upstream.entries;
    const names = new Set<string>();
    for (const e of candidates) if (compiled.matches(e)) names.add(e.name);
    if (names.size > limit) {
      throw new BuildError(`query "${q}" in ${id}/packages.txt matches ${names.size} of the ${total} packages upstream (more than ${limit}): `
        + 'alone it would mirror a large part of the archive (the queries of a source are OR-ed together); '
        + "narrow it, e.g. name the packages, or combine conditions with ',' ('Section (python), Name (% python3-yaml*)'), "
        + `or set allowBroadQueries on the source (--allow-broad-queries ${id} on the command line) if you mean it`);
    }
  }
}

/** Every query must match a package; the packages they match are the ones users asked for. */
export async function checkQueries(source: SourceMirror): Promise<void> {
  // What aptly mirrored is a subset of upstream (source.names): its own index, built once here.
  const byName = NameIndex.of(source.state.mirrored);
  const requested = new Set<IndexEntry>();
  const unmatched: string[] = [];
  for (const q of source.queries) {
    const compiled = compileQuery(q);
    const candidates = compiled.name !== undefined ? byName.get(compiled.name) : source.state.mirrored;
    let matched = false;
    for (const e of candidates) {
      if (compiled.matches(e)) {
        requested.add(e);
        matched = true;
      }
    }
    if (!matched) unmatched.push(q);
  }
  // What our evaluator did not match, aptly has the last word on (rare: exotic queries).
  const really: string[] = [];
  for (const q of unmatched) {
    let found = false;
    for (const names of source.state.mirrors.values()) {
      for (const m of names) if (!found && await source.services.aptly.matches(m, q, `${source.id}: query "${q}" cannot be evaluated`)) found = true;
    }
    if (!found) really.push(q);
  }
  if (really.length) {
    throw new BuildError(`query "${really[0]}" in ${source.id}/packages.txt matched no package${upstreamHint(really[0], source)}`
      + `${really.length > 1 ? ` (${really.length} queries matched none: ${really.slice(0, 10).map(q => `"${q}"`).join(', ')}${really.length > 10 ? ', ...' : ''})` : ''}`);
  }
  source.state.requested = [...requested];
}

/**
 * What upstream has instead, for a query on one package name: the versions of that name (a
 * version or architecture condition did not hold), else the names closest to it (a typo).
 */
function upstreamHint(query: string, source: SourceMirror): string {
  const name = compileQuery(query).name;
  if (name === undefined) return '';
  const same = source.upstream.filter(e => e.name === name);
  if (same.length) {
    const newestFirst = [...same].sort((x, y) => compareVersions(y.version, x.version));
    const versions = [...new Set(newestFirst.map(e => `${e.version} ${e.architecture}`))].slice(0, 5);
    return `; upstream has ${name} ${versions.join(', ')}`;
  }
  const providers = [...new Set(source.upstream.filter(e => e.provides.some(p => p.name === name)).map(e => e.name))];
  if (providers.length) return `; upstream has no package "${name}", but ${providers.slice(0, 5).join(', ')} provide${providers.length === 1 ? 's' : ''} it`;
  const near = nearNames(name, source.upstream.map(e => e.name));
  return near.length ? `; upstream has no package "${name}", closest: ${near.join(', ')}` : `; upstream has no package "${name}" in ${source.components.map(c => c.name).join(', ') || 'the flat repository'}`;
}
