// The source's packages.txt, and the check that every query matched a package: one pass over
// what aptly mirrored, with aptly itself asked only about queries our evaluator did not match.
import * as fs from 'fs';
import { compareVersions } from './debian-version';
import { IndexEntry } from './packages-index';
import { BuildError } from './proc';
import { compileQuery } from './query-match';
import type { SourceMirror } from './source-mirror';
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

/** Every query must match a package; the packages they match are the ones users asked for. */
export async function checkQueries(source: SourceMirror): Promise<void> {
  const byName = new Map<string, IndexEntry[]>();
  const add = (name: string, e: IndexEntry) => {
    const list = byName.get(name);
    if (list) list.push(e);
    else byName.set(name, [e]);
  };
  for (const e of source.mirrored) {
    add(e.name, e);
    for (const p of e.provides) add(p.name, e);
  }
  const requested = new Set<IndexEntry>();
  const unmatched: string[] = [];
  for (const q of source.queries) {
    const compiled = compileQuery(q);
    const candidates = compiled.name !== undefined ? byName.get(compiled.name) ?? [] : source.mirrored;
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
    for (const names of source.mirrors.values()) {
      for (const m of names) if (!found && await source.aptly.matches(m, q, `${source.id}: query "${q}" cannot be evaluated`)) found = true;
    }
    if (!found) really.push(q);
  }
  if (really.length) {
    throw new BuildError(`query "${really[0]}" in ${source.id}/packages.txt matched no package${upstreamHint(really[0], source)}`
      + `${really.length > 1 ? ` (${really.length} queries matched none: ${really.slice(0, 10).map(q => `"${q}"`).join(', ')}${really.length > 10 ? ', ...' : ''})` : ''}`);
  }
  source.requested = [...requested];
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
