// Dependency worlds: the sources a client uses together. A world is named after the release
// (bookworm), so its pockets (bookworm-updates, bookworm-security) and the vendor repositories
// built for it resolve and are checked together.
import { hintedError } from '../util/hinted-error';

/** Pocket suffixes removed to find a distribution's release, longest first. */
const POCKETS = ['-backports-sloppy', '-proposed-updates', '-backports', '-security', '-proposed', '-updates'];

/** The world a distribution belongs to: `bookworm-security` and `bookworm-updates` are `bookworm`. */
export function deriveWorld(distribution: string): string {
  const lower = distribution.toLowerCase().replace(/_/g, '-');
  const pocket = POCKETS.find(p => lower.endsWith(p) && lower.length > p.length);
  return pocket ? lower.slice(0, -pocket.length) : lower;
}

/** What `assignWorlds` reads of a source (a `MirrorSource`). */
export interface WorldMember {
  readonly id: string;
  readonly world?: string;
}

/** The world of flat repositories in a mirror that has no other sources. */
export const DEFAULT_WORLD = 'default';

/**
 * The world of each source, in order: its own (explicit or derived), or for a flat repository
 * without one, the single world of the others. Throws when that is ambiguous.
 */
export function assignWorlds(sources: readonly WorldMember[]): string[] {
  const named = [...new Set(sources.map(s => s.world).filter((w): w is string => w !== undefined))];
  const homeless = sources.filter(s => s.world === undefined);
  if (homeless.length > 0 && named.length > 1) {
    const ids = homeless.map(s => s.id).join(', ');
    throw hintedError(`flat repository ${ids} has no distribution to derive a world from, and the mirror has several worlds (${named.join(', ')}): `
      + `set world on ${homeless.length === 1 ? 'it' : 'each'} to the world whose clients use it (e.g. world: '${named[0]}')`, 'world');
  }
  const shared = named[0] ?? DEFAULT_WORLD;
  return sources.map(s => s.world ?? shared);
}

/** The worlds of the sources in order of first appearance, each with its sources. */
export function groupByWorld<T>(items: readonly T[], worldOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const world = worldOf(item);
    const group = groups.get(world);
    if (group) group.push(item);
    else groups.set(world, [item]);
  }
  return groups;
}
