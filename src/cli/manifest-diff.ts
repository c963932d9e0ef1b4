// What changed between two builds: two manifest.json files compared per dependency world, as
// clients of that world see the packages (name and architecture, with every version offered).
import * as fs from 'fs';
import { InputProblems } from './errors';
import { compareVersions } from '../runner/deb/debian-version';
import { ComparedPackage, ComparedUpstream, newestVersion, OlderRelease, olderReleases, packagesByWorld } from '../runner/history/manifest-compare';
import { plural } from '../util/plural';

export interface Manifest {
  readonly buildIdentity?: string | null;
  readonly contentHash?: string | null;
  readonly refreshEpoch?: string | null;
  readonly builtAt?: string;
  readonly upstreams?: ReadonlyArray<ComparedUpstream>;
  readonly packages: readonly ComparedPackage[];
}

export interface PackageChange {
  readonly world: string;
  readonly name: string;
  readonly architecture: string;
  readonly oldVersions: string[];
  readonly newVersions: string[];
  /** A version this build adds comes from a security pocket (a distribution ending in -security). */
  readonly security: boolean;
  /** The newest version went down: a replayed or frozen upstream unless it was meant. */
  readonly downgrade: boolean;
}

export interface ManifestDiff {
  readonly added: PackageChange[];
  readonly removed: PackageChange[];
  readonly changed: PackageChange[];
  /** The changed packages whose newest version went down. */
  readonly downgraded: PackageChange[];
  readonly olderReleases: OlderRelease[];
}

/** Reads and checks a manifest.json; problems are collected, not thrown. */
export function readManifest(file: string, problems: string[]): Manifest | undefined {
  let data: any;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    problems.push(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not a JSON file (${(e as Error).message})`}: give the manifest.json of a build (served at the mirror's root)`);
    return undefined;
  }
  if (!data || !Array.isArray(data.packages)) {
    problems.push(`${file}: not a mini-mirror manifest (no "packages" list): give the manifest.json of a build`);
    return undefined;
  }
  return data as Manifest;
}

export function diffManifests(oldM: Manifest, newM: Manifest): ManifestDiff {
  const before = packagesByWorld(oldM);
  const after = packagesByWorld(newM);
  const added: PackageChange[] = [];
  const removed: PackageChange[] = [];
  const changed: PackageChange[] = [];
  const sorted = (m: Map<string, boolean> | undefined) => [...(m?.keys() ?? [])].sort();
  for (const key of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const o = before.get(key);
    const n = after.get(key);
    const base = (o ?? n)!;
    const oldVersions = sorted(o?.versions);
    const newVersions = sorted(n?.versions);
    const security = newVersions.some(v => !oldVersions.includes(v) && n!.versions.get(v));
    const downgrade = oldVersions.length > 0 && newVersions.length > 0 && compareVersions(newestVersion(newVersions), newestVersion(oldVersions)) < 0;
    const change = { world: base.world, name: base.name, architecture: base.architecture, oldVersions, newVersions, security, downgrade };
    if (!o) added.push(change);
    else if (!n) removed.push(change);
    else if (oldVersions.join(' ') !== newVersions.join(' ')) changed.push(change);
  }
  return { added, removed, changed, downgraded: changed.filter(c => c.downgrade), olderReleases: olderReleases(oldM, newM) };
}

/** The report as text lines. */
export function formatDiff(oldM: Manifest, newM: Manifest, d: ManifestDiff): string[] {
  const id = (m: Manifest) => `${(m.buildIdentity ?? m.contentHash ?? 'unknown build').slice(0, 20)}${m.refreshEpoch ? ` (epoch ${m.refreshEpoch})` : ''}${m.builtAt ? `, built ${m.builtAt}` : ''}`;
  const lines = [`old: ${id(oldM)}`, `new: ${id(newM)}`];
  const line = (c: PackageChange, versions: string) => `  ${c.world}  ${c.name} ${c.architecture}  ${versions}${c.security ? '  [security]' : ''}${c.downgrade ? '  [DOWNGRADE]' : ''}`;
  const section = (title: string, list: PackageChange[], versions: (c: PackageChange) => string) => {
    if (!list.length) return;
    lines.push(`${title} (${list.length}):`);
    for (const c of list) lines.push(line(c, versions(c)));
  };
  section('added', d.added, c => c.newVersions.join(', '));
  section('removed', d.removed, c => c.oldVersions.join(', '));
  section('changed', d.changed, c => `${c.oldVersions.join(', ')} -> ${c.newVersions.join(', ')}`);
  const dates = (newM.upstreams ?? []).filter(u => u.releaseDate).map(u => `  ${u.prefix}/${u.publishedAs ?? u.distribution}: ${u.releaseDate}`);
  if (dates.length) lines.push('upstream Release dates of the new build:', ...dates);
  if (d.olderReleases.length) {
    lines.push(`upstream Releases older than in the old build (${d.olderReleases.length}):`,
      ...d.olderReleases.map(r => `  ${r.place}  ${r.url} ${r.distribution}  ${r.oldDate} -> ${r.newDate}  [DOWNGRADE]${r.oldUrl !== r.url ? `  (was ${r.oldUrl})` : ''}`));
  }
  const security = [...d.added, ...d.changed].filter(c => c.security).length;
  lines.push(`summary: ${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed (${security} from security pockets)`);
  if (d.downgraded.length || d.olderReleases.length) {
    lines.push(`DOWNGRADES: ${plural(d.downgraded.length, 'package')} went down, ${plural(d.olderReleases.length, 'upstream Release')} older than in the old build`);
  }
  return lines;
}

export function loadPair(oldFile: string, newFile: string): [Manifest, Manifest] {
  const problems: string[] = [];
  const a = readManifest(oldFile, problems);
  const b = readManifest(newFile, problems);
  if (problems.length) throw new InputProblems(problems);
  return [a!, b!];
}
