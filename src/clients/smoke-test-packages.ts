import { sourcesFileName } from './deb822';
import { MirrorSource } from '../sources/mirror-source';
import { requestedPackageName } from '../sources/query/analyse';
import { ResolvedSource } from '../sources/resolution';
import { groupByWorld } from '../sources/worlds';

// What the smoke test installs: a sample of the requested package names, and the worlds it
// installs them in.

/** A requested package and the world it is installed in. */
export interface Sampled {
  readonly world: string;
  readonly name: string;
}

/**
 * `worlds.txt`: one line per world, `<world> <architecture> <file.sources>...`. The architecture
 * to resolve for is the first one a source of the world mirrors, so the result does not depend
 * on the node the test lands on; `-` (every upstream architecture) means the node's own.
 */
export function worldsTxt(resolved: ResolvedSource[]): string {
  return [...groupByWorld(resolved, r => r.world)].map(([world, sources]) => {
    const arch = sources.find(s => s.architectures)?.architectures?.[0] ?? '-';
    return [world, arch, ...sources.map(s => sourcesFileName(s.source))].join(' ') + '\n';
  }).join('');
}

/**
 * Every requested name when there are at most `max`; else `max` of them, round-robin over the
 * sources (each one's first, then each one's second, ...) so every source is covered. Names are
 * taken from the queries as needed: a mirror of many thousands of packages only looks at a few.
 * A name counts once per world.
 */
export function samplePackages(sources: ResolvedSource[], max: number): Sampled[] {
  const names = new Map<string, Sampled>();
  for (const source of sources) {
    for (const name of requestedNames(source.source)) {
      names.set(`${source.world} ${name}`, { world: source.world, name });
      if (names.size > max) return roundRobin(sources, max);
    }
  }
  return [...names.values()];
}

function roundRobin(sources: ResolvedSource[], max: number): Sampled[] {
  const names = new Map<string, Sampled>();
  const next = sources.map(s => ({ world: s.world, names: requestedNames(s.source) }));
  for (let more = true; more && names.size < max;) {
    more = false;
    for (const it of next) {
      const name = it.names.next();
      if (name.done) continue;
      more = true;
      names.set(`${it.world} ${name.value}`, { world: it.world, name: name.value });
      if (names.size === max) break;
    }
  }
  return [...names.values()];
}

/** A source's requested names, read from its packages.txt one query at a time. */
function* requestedNames(source: MirrorSource): Generator<string> {
  const text = source.packagesTxt;
  for (let start = 0; start < text.length;) {
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline;
    const name = requestedPackageName(text.slice(start, end));
    if (name !== undefined) yield name;
    start = end + 1;
  }
}
