// The world phase: close every world's dependencies across its sources (the additions taken from
// whichever upstream has them: verified by the runner, or mirrored by aptly), then gate on what no
// upstream of the world has.
import * as path from 'path';
import { filterChunks } from './aptly/aptly';
import { IndexEntry } from './deb/packages-index';
import { BuildLog } from './log';
import { fetchIntoPool, PREFETCH_CONCURRENCY } from './net/prefetch';
import { fetchVerified } from './net/verified-download';
import { BuildError } from './proc';
import { addMirrors } from './source-mirror';
import { SourceMirror } from './source-state';
import { closeOver, describeMissing, leftOutRelations, MissingDependency } from './world-closure';
import { plural } from '../util/plural';

const MAX_ROUNDS = 4;

/** Client architectures of a world: every real architecture its sources mirror (arch:all-only sources add none). */
export function worldArchitectures(sources: readonly SourceMirror[]): string[] {
  const archs = new Set(sources.flatMap(s => s.mirrorArchitectures.filter(a => a !== 'all')));
  return archs.size ? [...archs].sort() : ['amd64'];
}

/** Closes the world over its dependencies; returns the names of Recommends that no upstream of it has. */
export async function closeWorld(world: string, sources: readonly SourceMirror[], log: BuildLog): Promise<string[]> {
  const archs = worldArchitectures(sources);
  const universe = sources.flatMap(s => s.upstream);
  // Recommends are followed for the packages of sources that follow them (build.json `recommends`).
  const following = new Set(sources.filter(s => s.config.recommends).map(s => s.index));
  const followRecommends = (e: IndexEntry) => following.has(e.source);
  let missing: MissingDependency[] = [];
  let skipped: MissingDependency[] = [];
  for (let round = 1; ; round++) {
    const have = sources.flatMap(s => s.state.mirrored);
    const requested = sources.flatMap(s => s.state.requested);
    const additions = new Set<IndexEntry>();
    missing = [];
    skipped = [];
    for (const arch of archs) {
      const c = closeOver({ have, requested, universe, arch, followRecommends });
      c.additions.forEach(e => additions.add(e));
      missing.push(...c.missing);
      skipped.push(...c.skipped);
    }
    if (!additions.size) break;
    if (round > MAX_ROUNDS) {
      throw new BuildError(`world ${world}: dependencies still change after ${MAX_ROUNDS} rounds (${[...additions].slice(0, 5).map(e => e.key).join(', ')})`);
    }
    await addToMirrors(sources, [...additions], round);
    const bySource = new Map<string, number>();
    for (const e of additions) {
      const id = sources.find(s => s.index === e.source)!.id;
      bySource.set(id, (bySource.get(id) ?? 0) + 1);
    }
    const from = [...bySource].map(([id, n]) => `${n} from ${id}`).join(', ');
    log.step(`world ${world}: added ${plural(additions.size, 'dependency', 'dependencies')} from across its components and sources (${from})`);
  }
  const absent = reportLeftOut({ world, sources, following }, skipped, log);
  gate(world, sources, missing, log);
  return absent;
}

/** How many names a report line shows. */
const SHOWN = 8;

/**
 * Says what a client of the world will not get: Recommends that no upstream of the world has (apt
 * skips them) or that are not followed, recommended packages apt cannot install, and Suggests
 * (never followed, as apt does by default). None of it fails the build.
 */
function reportLeftOut(of: { world: string; sources: readonly SourceMirror[]; following: ReadonlySet<number> },
  skipped: readonly MissingDependency[], log: BuildLog): string[] {
  const { world, sources, following } = of;
  const have = sources.flatMap(s => s.state.mirrored);
  const groups = { absent: new Map<string, string>(), unfollowed: new Map<string, string>(), suggests: new Map<string, string>() };
  for (const arch of worldArchitectures(sources)) {
    for (const l of leftOutRelations(have, arch)) {
      const group = l.field === 'Suggests' ? groups.suggests : following.has(l.by.source) ? groups.absent : groups.unfollowed;
      if (!group.has(l.clause)) group.set(l.clause, `${l.clause} (of ${l.by.name})`);
    }
  }
  const few = (m: Map<string, string>) => [...m.values()].slice(0, SHOWN).join(', ') + (m.size > SHOWN ? `, ... and ${m.size - SHOWN} more` : '');
  const recommends = groups.absent.size + groups.unfollowed.size;
  const parts = [
    groups.unfollowed.size ? `Recommends not followed (recommends: false, so its clients get APT::Install-Recommends "false"): ${few(groups.unfollowed)}` : '',
    groups.absent.size ? `Recommends in no upstream of the world: ${few(groups.absent)}` : '',
    groups.suggests.size ? `Suggests (never followed, as apt does by default): ${few(groups.suggests)}` : '',
  ].filter(Boolean);
  log.step(`world ${world}: left out ${recommends} Recommends and ${groups.suggests.size} Suggests of the mirrored packages${parts.length ? `; ${parts.join('; ')}` : ''}`);
  if (groups.absent.size) {
    log.warn(`world ${world}: ${groups.absent.size} Recommends are in no upstream of the world: apt skips them, so its clients miss them as clients of the upstreams would (recommends-unavailable.txt lists them; the smoke test does not count them); `
      + 'add the upstream that has them to this world, or set recommends: false');
  }
  const unusable = new Map<string, string>();
  for (const m of skipped) unusable.set(`${m.entry.name} ${m.clause}`, `${m.entry.name} ${m.entry.version} (needs ${m.clause})`);
  if (unusable.size) {
    log.warn(`world ${world}: ${unusable.size} recommended packages cannot be installed, a dependency of theirs is in no upstream of the world (apt skips them): ${few(unusable)}`);
  }
  // What apt lists under "Recommended packages:" for them, as names: each alternative of a
  // clause no upstream has, and the recommended packages that cannot be installed.
  const names = [...groups.absent.keys()].flatMap(clause => clause.split('|').map(a => a.trim().split(/[\s(:]/)[0]));
  return [...new Set([...names, ...skipped.map(m => m.entry.name)])].sort();
}

async function addToMirrors(sources: readonly SourceMirror[], additions: IndexEntry[], round: number): Promise<void> {
  for (const source of sources) {
    const mine = additions.filter(e => e.source === source.index);
    if (!mine.length) continue;
    if (source.state.indexedBy === 'runner') {
      await fetchVerified(mine, source.services.cache, { concurrency: PREFETCH_CONCURRENCY, retries: source.services.retries, id: source.id });
      source.state.mirrored.push(...mine);
      continue;
    }
    const flat = source.components.length === 0;
    const byComponent = new Map<string, string[]>();
    for (const e of mine) {
      const refs = byComponent.get(e.component) ?? [];
      refs.push(`${e.name}_${e.version}_${e.architecture}`);
      byComponent.set(e.component, refs);
    }
    // The additions' files go straight into the pool, as the source's first packages did.
    await fetchIntoPool(mine, source.services.cache, path.join(source.work, 'root', 'pool'), PREFETCH_CONCURRENCY);
    const added = [...byComponent].flatMap(([component, refs]) => filterChunks(refs).map((filter, k) => ({
      component,
      spec: {
        name: `x${round}k${k}-${component}`,
        url: source.services.aptlyUrl,
        distribution: source.config.distribution,
        component: flat ? undefined : component,
        force: source.components.find(c => c.name === component)?.force ?? false,
        // exactly these packages: the closure chose them, dependencies included
        filter,
        withDeps: false,
        retries: source.services.retries,
      },
    })));
    source.state.subset?.add(mine);
    await addMirrors(source, added);
  }
}

function gate(world: string, sources: readonly SourceMirror[], missing: MissingDependency[], log: BuildLog): void {
  if (!missing.length) {
    log.step(`world ${world}: every dependency is satisfied (${sources.map(s => s.id).join(', ')}; ${worldArchitectures(sources).join(', ')})`);
    return;
  }
  const ids: string[] = [];
  for (const s of sources) ids[s.index] = s.id;
  const requested = new Set(sources.flatMap(s => s.state.requested));
  const blocking: string[] = [];
  for (const { line, root } of describeMissing(missing, ids, requested)) {
    const gated = sources.find(s => s.index === root.source)?.config.dependencyGate ?? true;
    if (gated) blocking.push(line);
    else log.warn(`world ${world}: missing dependency (allowed by allowMissingDependencies): ${line}`);
  }
  if (blocking.length) {
    const shown = blocking.slice(0, 20).map(l => `  ${l}`).join('\n');
    throw new BuildError(`world ${world}: ${blocking.length} unresolved dependencies that no upstream of the world (${sources.map(s => s.id).join(', ')}) provides:\n${shown}${blocking.length > 20 ? `\n  ... and ${blocking.length - 20} more` : ''}\n`
      + 'add the upstream that has them to this world (same release codename, or set its world), or request a version that exists, or set allowMissingDependencies on the source');
  }
}
