// Two builds' manifest.json compared as clients see them: per dependency world (a client installs
// from all of a world's sources at once) and per published distribution (what a client's
// .sources names). One module for the build's refusal (previous-build.ts) and `mini-mirror diff`,
// so the two never disagree about what went backwards.
import { publicUrl } from '../../util/public-url';
import { compareVersions } from '../deb/debian-version';

export interface ComparedPackage {
  readonly prefix: string;
  readonly distribution: string;
  readonly name: string;
  readonly version: string;
  readonly architecture: string;
}

export interface ComparedUpstream {
  readonly prefix: string;
  readonly name?: string;
  readonly url?: string;
  readonly publishedAs?: string;
  readonly distribution: string;
  readonly world?: string;
  readonly releaseDate?: string | null;
}

export interface ComparedManifest {
  readonly upstreams?: ReadonlyArray<ComparedUpstream>;
  readonly packages: readonly ComparedPackage[];
}

/** A package of a world with every version the world offers (version -> offered by a security pocket). */
export interface WorldPackage {
  readonly world: string;
  readonly name: string;
  readonly architecture: string;
  readonly versions: Map<string, boolean>;
  /** The published distributions (`prefix/dist`) that hold it. */
  readonly places: Set<string>;
}

/** Where a source is published: unique in a mirror, and what clients name, whatever the source is called or mirrored from. */
export function publishedPlace(prefix: string, publishedAs: string): string {
  return `${prefix}/${publishedAs}`;
}

function worldOf(m: ComparedManifest): (p: ComparedPackage) => string {
  const worlds = new Map<string, string>();
  for (const u of m.upstreams ?? []) worlds.set(publishedPlace(u.prefix, u.publishedAs ?? u.distribution), u.world ?? u.distribution);
  // Manifests from before worlds existed: one "world" per prefix/distribution.
  return p => worlds.get(publishedPlace(p.prefix, p.distribution)) ?? publishedPlace(p.prefix, p.distribution);
}

/** The packages by world, name and architecture. */
export function packagesByWorld(m: ComparedManifest): Map<string, WorldPackage> {
  const world = worldOf(m);
  const result = new Map<string, WorldPackage>();
  for (const p of m.packages) {
    const w = world(p);
    const key = `${w}\t${p.name}\t${p.architecture}`;
    const entry = result.get(key)
      ?? { world: w, name: p.name, architecture: p.architecture, versions: new Map<string, boolean>(), places: new Set<string>() };
    entry.versions.set(p.version, (entry.versions.get(p.version) ?? false) || /-security$/.test(p.distribution));
    entry.places.add(publishedPlace(p.prefix, p.distribution));
    result.set(key, entry);
  }
  return result;
}

export function newestVersion(versions: Iterable<string>): string {
  return [...versions].reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b));
}

/** A package whose newest version in its world went down (e.g. a security fix withdrawn by a stale pocket). */
export interface WorldDowngrade {
  readonly world: string;
  readonly name: string;
  readonly architecture: string;
  readonly oldVersion: string;
  readonly newVersion: string;
  /** Where the new build publishes it. */
  readonly places: string[];
}

/** Downgrades per world; a package no longer in the world is a removal, not a downgrade. */
export function worldDowngrades(oldM: ComparedManifest, newM: ComparedManifest): WorldDowngrade[] {
  const before = packagesByWorld(oldM);
  const result: WorldDowngrade[] = [];
  for (const [key, n] of packagesByWorld(newM)) {
    const o = before.get(key);
    if (!o) continue;
    const oldVersion = newestVersion(o.versions.keys());
    const newVersion = newestVersion(n.versions.keys());
    if (compareVersions(newVersion, oldVersion) < 0) {
      result.push({ world: n.world, name: n.name, architecture: n.architecture, oldVersion, newVersion, places: [...n.places].sort() });
    }
  }
  return result.sort((a, b) => a.world.localeCompare(b.world) || a.name.localeCompare(b.name) || a.architecture.localeCompare(b.architecture));
}

/** The previous build's upstream published at the same place (prefix and published distribution). */
export function previousUpstreamAt(previous: ComparedManifest, prefix: string, publishedAs: string): ComparedUpstream | undefined {
  const place = publishedPlace(prefix, publishedAs);
  return (previous.upstreams ?? []).find(u => publishedPlace(u.prefix, u.publishedAs ?? u.distribution) === place);
}

/** An upstream whose Release is older than the one the old build published at the same place. */
export interface OlderRelease {
  readonly place: string;
  readonly url: string;
  readonly oldUrl: string;
  readonly distribution: string;
  readonly oldDate: string;
  readonly newDate: string;
}

export function olderReleases(oldM: ComparedManifest, newM: ComparedManifest): OlderRelease[] {
  const older: OlderRelease[] = [];
  for (const u of newM.upstreams ?? []) {
    const publishedAs = u.publishedAs ?? u.distribution;
    const o = previousUpstreamAt(oldM, u.prefix, publishedAs);
    if (!o?.releaseDate || !u.releaseDate) continue;
    if (Date.parse(u.releaseDate) < Date.parse(o.releaseDate)) {
      older.push({
        place: publishedPlace(u.prefix, publishedAs),
        url: publicUrl(u.url ?? ''),
        oldUrl: publicUrl(o.url ?? ''),
        distribution: u.distribution,
        oldDate: o.releaseDate,
        newDate: u.releaseDate,
      });
    }
  }
  return older;
}
