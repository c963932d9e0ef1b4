// The generated upstream of bench:build: K sources x P packages in signed archives (fake-world.ts),
// with realistic .deb sizes, arch:all packages depending on arch-specific ones, dependency chains,
// packages reached only as dependencies, and upstream packages nobody asked for.
import * as crypto from 'crypto';
import { DistributionSpec, DistsArchiveSpec, PackageSpec, WorldSpec } from '../test/support/archive-builder';

export interface UpstreamOptions {
  /** Number of sources (K). */
  readonly sources: number;
  /** Packages mirrored per source (P): the requested ones and the dependencies they pull in. */
  readonly packages: number;
  /** 'realistic': 20-200 KiB of incompressible payload per .deb; 'tiny': about 1 KiB .debs (scale cases). */
  readonly sizes: 'realistic' | 'tiny';
  /**
   * Every package is named by a query (true), or about a fifth of them are reached only as
   * dependencies (false: packages.txt names the top of each chain, as users write it).
   */
  readonly queryEveryPackage: boolean;
  /** Also build arm64 copies of the arch-specific packages (upstream lists amd64 and arm64). */
  readonly arm64: boolean;
}

/** One source of the generated upstream, in the shape both builds take. */
export interface GeneratedSource {
  readonly prefix: string;
  readonly name: string;
  /** The archive's path on the server (sources sharing it share its pool). */
  readonly archivePath: string;
  readonly distribution: string;
  readonly components: readonly string[];
  /** Name of the key that signs the distribution (FakeWorld's keys[...]). */
  readonly key: string;
  /** packages.txt lines. */
  readonly queries: readonly string[];
  /** `name version arch` of every amd64/all package the source should publish (queries + their dependencies). */
  readonly expected: readonly string[];
  /** Sum of the sizes of the payloads of `expected`, bytes (the .debs are a little larger). */
  readonly payloadBytes: number;
}

export interface GeneratedUpstream {
  readonly world: WorldSpec;
  readonly sources: readonly GeneratedSource[];
}

/** Deterministic payload size for a package: 20-200 KiB, spread by a hash of the name. */
function payloadSize(name: string, sizes: UpstreamOptions['sizes']): number {
  if (sizes === 'tiny') return 256;
  const h = crypto.createHash('sha256').update(name).digest().readUInt32BE(0);
  return 20 * 1024 + (h % (180 * 1024));
}

/**
 * The packages of one component: groups of five,
 *   <g>-tool  (amd64/arm64) Depends <g>-lib1 (>= 1.0), <g>-common        queried (every other one versioned)
 *   <g>-lib1  (amd64/arm64, Multi-Arch: same) Depends <g>-lib2            queried (some as `name {amd64}`)
 *   <g>-lib2  (amd64/arm64, Multi-Arch: same)                            dependency only (unless queryEveryPackage)
 *   <g>-common (all) Depends <g>-lib2                                    arch:all -> arch-specific
 *   <g>-doc   (all) Depends <g-1>-tool                                   a chain across groups
 * plus standalone arch:all packages to reach `count`, and one unrequested package per ten
 * (`<g>-tool-dbg`: a name that starts like a requested one).
 */
interface Component {
  readonly packages: PackageSpec[];
  readonly queries: string[];
  readonly expected: string[];
  readonly payload: number;
}

function component(prefix: string, count: number, opts: UpstreamOptions): Component {
  const packages: PackageSpec[] = [];
  const queries: string[] = [];
  const expected: string[] = [];
  let payload = 0;
  const add = (p: Omit<PackageSpec, 'payloadBytes'>, query: string | undefined, wanted = true) => {
    const size = wanted ? payloadSize(p.name, opts.sizes) : 256;
    const archs = p.architecture === 'any' ? ['amd64', ...(opts.arm64 ? ['arm64'] : [])] : ['all'];
    for (const architecture of archs) packages.push({ ...p, architecture, payloadBytes: size });
    if (query !== undefined) queries.push(query);
    if (wanted) {
      expected.push(`${p.name} ${p.version} ${archs[0]}`);
      payload += size;
    }
  };
  const groups = Math.floor(count / 5);
  for (let g = 0; g < groups; g++) {
    const n = (s: string) => `${prefix}g${g}-${s}`;
    const version = `1.${g % 7}-${1 + (g % 3)}`;
    add({ name: n('tool'), version, architecture: 'any', depends: `${n('lib1')} (>= 1.0), ${n('common')}` },
      g % 2 === 0 ? `${n('tool')} (>= 1.0)` : n('tool'));
    add({ name: n('lib1'), version, architecture: 'any', multiArch: 'same', section: 'libs', depends: n('lib2') },
      g % 3 === 0 ? `${n('lib1')} {amd64}` : n('lib1'));
    add({ name: n('lib2'), version, architecture: 'any', multiArch: 'same', section: 'libs' }, opts.queryEveryPackage ? n('lib2') : undefined);
    add({ name: n('common'), version, depends: n('lib2') }, n('common'));
    add({ name: n('doc'), version, section: 'doc', ...(g > 0 ? { depends: `${prefix}g${g - 1}-tool` } : {}) }, n('doc'));
    if (g % 10 === 0) add({ name: n('tool-dbg'), version, architecture: 'any', section: 'debug', depends: n('tool') }, undefined, false);
  }
  for (let k = groups * 5; k < count; k++) add({ name: `${prefix}extra${k}`, version: '2.0-1' }, `${prefix}extra${k}`);
  return { packages, queries, expected, payload };
}

/**
 * K sources: source i is distribution `dist<i>` in archive `vendor<floor(i/2)>` (two sources per
 * archive, each archive its own signing key), published under prefix `vendor<floor(i/2)>`; every
 * third source has two components (main with three quarters of its packages, contrib the rest).
 * Every distribution is its own dependency world (independent sources).
 */
export function generateUpstream(opts: UpstreamOptions): GeneratedUpstream {
  const archives = new Map<string, DistributionSpec[]>();
  const sources: GeneratedSource[] = [];
  for (let i = 0; i < opts.sources; i++) {
    const archivePath = `vendor${Math.floor(i / 2)}`;
    const key = `key${Math.floor(i / 2)}`;
    const distribution = `dist${i}`;
    const split = i % 3 === 2 && opts.packages >= 10;
    const counts: Array<[string, number]> = split
      ? [['main', opts.packages - Math.floor(opts.packages / 4)], ['contrib', Math.floor(opts.packages / 4)]]
      : [['main', opts.packages]];
    const components: Record<string, PackageSpec[]> = {};
    const queries: string[] = [];
    const expected: string[] = [];
    let payload = 0;
    for (const [name, count] of counts) {
      const c = component(`s${i}${name === 'main' ? '' : 'c'}`, count, opts);
      components[name] = c.packages;
      queries.push(...c.queries);
      expected.push(...c.expected);
      payload += c.payload;
    }
    const dists = archives.get(archivePath) ?? [];
    dists.push({
      name: distribution,
      origin: 'Bench Vendor',
      label: `Bench ${archivePath}`,
      suite: distribution,
      codename: distribution,
      key,
      architectures: ['all', 'amd64', ...(opts.arm64 ? ['arm64'] : [])],
      components,
      // Indexes: uncompressed and .gz (xz of a 5,000-package index costs the fixture build, not the bench).
      compressions: ['', '.gz'],
    });
    archives.set(archivePath, dists);
    sources.push({
      prefix: archivePath,
      name: `src${i}`,
      archivePath,
      distribution,
      components: Object.keys(components),
      key,
      queries,
      expected: expected.sort(),
      payloadBytes: payload,
    });
  }
  const archiveSpecs: DistsArchiveSpec[] = [...archives].map(([p, distributions]) => ({ kind: 'dists', path: p, distributions }));
  return { world: { archives: archiveSpecs, unrelatedKeys: 1 }, sources };
}
