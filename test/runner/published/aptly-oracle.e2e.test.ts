// aptly 1.5.0 as the oracle of the indexes the runner writes itself (src/runner/published/): the
// same packages of one upstream (real .debs, apt-ftparchive indexes, signed Release), published
// by aptly (mirror, snapshot, publish, as aptly/publish.ts runs it) and by publishWithRunner,
// must give the same pool, the same packages in the same order with the same field values, the
// same small Releases and a distribution Release listing the same files; apt reads ours. The
// differences it found (NotAutomatic, aptly's default Origin/Label/Suite) are fixed; the deliberate
// ones are named where they are accepted.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  byLowerName, distFile, expectSameIndex, expectSameReleaseFiles, expectSameSmallFiles,
  filesBelow, packagesOf, parseRelease, releaseHead, stanzas, Trees,
} from './tree-compare';
import { Aptly, createMirrorArgs, filterChunks, updateMirrorArgs } from '../../../src/runner/aptly/aptly';
import { writeAptlyConfig } from '../../../src/runner/aptly/aptly-conf';
import { tidyByHash } from '../../../src/runner/aptly/by-hash';
import { publishedReleaseFields } from '../../../src/runner/aptly/publish';
import { SigningConfig } from '../../../src/runner/build-json-reader';
import { NameIndex } from '../../../src/runner/deb/name-index';
import { IndexEntry } from '../../../src/runner/deb/packages-index';
import { BuildLog } from '../../../src/runner/log';
import { Fetcher, UpstreamCache } from '../../../src/runner/net/fetcher';
import { LocalUpstreamServer } from '../../../src/runner/net/local-upstream';
import { fetchVerified } from '../../../src/runner/net/verified-download';
import { setupSigning } from '../../../src/runner/pgp/release-signer';
import { ChildProcesses } from '../../../src/runner/proc';
import { publishWithRunner } from '../../../src/runner/published/runner-publish';
import { finishRelease } from '../../../src/runner/release-writer';
import { SourceMirror } from '../../../src/runner/source-state';
import { serveSubset } from '../../../src/runner/subset-index';
import { followedRelations, planSource } from '../../../src/runner/subset-plan';
import { loadUpstream } from '../../../src/runner/upstream/indexes';
import { fetchRelease, ReleaseInfo } from '../../../src/runner/upstream/release';
import { AptClient } from '../../support/apt-client';
import { PackageSpec } from '../../support/archive-builder';
import { FileServerHandle, startFileServer } from '../../support/archive-server';
import { FakeWorld, FakeWorldHandle } from '../../support/fake-world';
import { downloadDebs } from '../../support/mirror-client';
import { runCommand } from '../../support/run-build';
import { cachedTestKey } from '../../support/test-keys';

/** This file's child processes (a build has its own, from its BuildRun). */
const procs = new ChildProcesses();

jest.setTimeout(180_000);

const ARCHS = ['amd64', 'arm64'];
const COMPONENTS = ['main', 'contrib'];
const PREFIX = 'debian';
const DIST = 'bookworm';
const FIELDS = { origin: 'Debian', label: 'Debian', suite: 'stable' };

const LONG = ['the long description of a test package,', 'wrapped over lines', '', 'with a second paragraph.'];
const MAIN: PackageSpec[] = [
  // Source differs from the name (pool/main/a/appsuite/), an epoch (not in the file name), Provides, Recommends.
  ...ARCHS.map(a => ({ name: 'app', version: '1:2.0-1', architecture: a, source: 'appsuite', depends: 'libfoo1 (>= 1.2),app-common (= 1:2.0-1)', recommends: 'app-doc', provides: 'app-api, httpd', longDescription: LONG })),
  // Fields as Debian's indexes have them: a lower-case `md5` (aptly writes Description-Md5), a folded one, a relation aptly keeps as is.
  {
    name: 'app-common',
    version: '1:2.0-1',
    source: 'appsuite',
    longDescription: LONG,
    fields: {
      'Homepage': 'https://app.example/',
      'Built-Using': 'appsuite-tools (= 1.0),other (= 2)',
      'Description-md5': '0e9f5a3d1b4c6f8a2e7d9c1b3a5f7e9d',
      'Tag': 'role::program,\n use::testing',
    },
  },
  { name: 'app-doc', version: '1:2.0-1', source: 'appsuite' },
  // A lib* source (pool/main/libf/libfoo/), two versions of one name.
  ...ARCHS.map(a => ({ name: 'libfoo1', version: '1.2-1', architecture: a, source: 'libfoo', multiArch: 'same' as const, preDepends: 'multiarch-support' })),
  { name: 'libfoo1', version: '1.1-1', architecture: 'amd64', source: 'libfoo', multiArch: 'same' },
  { name: 'multiarch-support', version: '2.36-9' },
  // A binNMU: `Source: tool (3.0-1)`.
  ...ARCHS.map(a => ({ name: 'tool', version: '3.0-1+b1', architecture: a, source: 'tool (3.0-1)', depends: 'libfoo1 | libfoo0', suggests: 'app' })),
  // In both components (a vendor's habit): the same name_version_arch in each.
  { name: 'shared', version: '1.0' },
  // Not chosen: must be in neither tree.
  { name: 'unwanted', version: '1.0', architecture: 'amd64' },
];
const CONTRIB: PackageSpec[] = [
  // A folded Depends (aptly joins the lines).
  { name: 'extra', version: '0.5', depends: 'app-api,\n  app-common (>= 1:2)', recommends: 'app (>= 1:2)', longDescription: LONG },
  { name: 'extra-tool', version: '0.5', architecture: 'arm64', source: 'extra', depends: 'shared' },
  { name: 'shared', version: '1.0' },
  // Its own name as the source: pool/contrib/libb/libbar/.
  { name: 'libbar', version: '1.0', architecture: 'amd64', conflicts: 'libbar0', replaces: 'libbar0', breaks: 'extra (<< 0.5)' },
];

/** A flat repository (OBS style: files in per-architecture folders), published as component main. */
const FLAT: PackageSpec[] = [
  ...ARCHS.map(a => ({ name: 'vtool', version: '2.0-1', architecture: a, source: 'vtool-src (2.0-1)', depends: 'vlib (>= 1)' })),
  { name: 'vtool', version: '1.9-1', architecture: 'amd64', source: 'vtool-src' },
  { name: 'vlib', version: '1.0', longDescription: LONG },
  // An architecture not mirrored: in neither tree.
  { name: 'vtool', version: '2.0-1', architecture: 'i386' },
];

/** Backports: apt must keep not installing from it unless asked (NotAutomatic), and upgrade what it installed from it. */
const BACKPORTS = 'bookworm-backports';
/** A vendor's distribution whose Release has no Origin, Label or Suite. */
const PLAIN = 'plain';

/** One upstream distribution: its cache, verified Release and entries (each once per component, in upstream order, as loadUpstream reads them). */
interface UpstreamDist {
  /** The archive's URL. */
  readonly url: string;
  /** Upstream's distribution: `bookworm`, or a flat repository's directory (`./`). */
  readonly dist: string;
  /** What it is published as (build.json's publishDistribution). */
  readonly publishAs: string;
  /** Upstream's components; none for a flat repository. */
  readonly components: readonly string[];
  /** The published components (`main` for a flat repository, as source-mirror.ts publishes it). */
  readonly published: readonly string[];
  readonly cache: UpstreamCache;
  readonly release: ReleaseInfo;
  readonly entries: IndexEntry[];
}

let world: FakeWorldHandle;
let dir: string;
let upstream: UpstreamDist;
/** The packages both publish: all but `unwanted`. */
let chosen: IndexEntry[];
/** `<root>/public/<prefix>` of each tree. */
let aptlyTree: string;
let ourTree: string;

beforeAll(async () => {
  world = await FakeWorld.start({
    archives: [{
      kind: 'dists',
      path: 'debian',
      distributions: [
        { name: DIST, ...FIELDS, architectures: ARCHS, components: { main: MAIN, contrib: CONTRIB } },
        {
          name: BACKPORTS,
          origin: 'Debian',
          label: 'Debian Backports',
          suite: 'stable-backports',
          notAutomatic: true,
          architectures: ARCHS,
          components: { main: [{ name: 'app', version: '1:2.1-1~bpo12+1', architecture: 'amd64', source: 'appsuite' }] },
        },
        { name: PLAIN, architectures: ARCHS, components: { main: [{ name: 'vendor-tool', version: '1.0', architecture: 'amd64' }] } },
      ],
    }, { kind: 'flat', path: 'vendor', origin: 'Vendor', label: 'Vendor Tools', suite: 'stable', packages: FLAT }, {
      // Debian's Packages list MD5sum and SHA256 only.
      kind: 'dists',
      path: 'debian-like',
      omitChecksums: ['SHA1', 'SHA512'],
      distributions: [{ name: 'trixie', ...FIELDS, architectures: ARCHS, components: { main: [{ name: 'lib2', version: '2.0' }, { name: 'app2', version: '2.0', architecture: 'amd64', depends: 'lib2' }] } }],
    }],
  });
  dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mm-oracle-'));
  upstream = await openUpstream('debian', DIST, COMPONENTS);
  chosen = upstream.entries.filter(e => e.name !== 'unwanted');
  [aptlyTree, ourTree] = await Promise.all([publishWithAptly('aptly', upstream, chosen), publishOurs('ours', upstream, chosen)]);
});

afterAll(async () => {
  await world?.stop();
  if (dir && !process.env.KEEP_ORACLE) await fs.promises.rm(dir, { recursive: true, force: true });
});

/** The distribution's Release (verified) and its packages, read as the runner reads them (loadUpstream). */
async function openUpstream(archive: string, dist: string, components: readonly string[], publishAs = dist): Promise<UpstreamDist> {
  const what = `${archive}/${publishAs}`;
  const { url } = world.archives[archive];
  const cache = new UpstreamCache(url, path.join(dir, `cache-${publishAs}`), new Fetcher({ retries: 1, stallSeconds: 5 }, new BuildLog(), procs), what);
  const release = await fetchRelease({ cache, distribution: dist, what, procs });
  cache.release = release;
  const published = components.map(name => ({ name, force: false }));
  const entries = await loadUpstream({ cache, release, index: 0, components: published, archs: ARCHS, verify: false, id: what, procs });
  return { url, dist, publishAs, components, published: components.length ? components : ['main'], cache, release, entries };
}

/** What the source's config says of its publication (build.json): no Origin/Label/Suite of its own, upstream's are taken. */
const configOf = (u: UpstreamDist) => ({ prefix: PREFIX, publishDistribution: u.publishAs, origin: null, label: null, suite: null });

/**
 * aptly in its own root, as source-mirror.ts and aptly/publish.ts run it: a mirror per component
 * filtered by the chosen references, a snapshot of each, one publish with publishedReleaseFields.
 */
async function publishWithAptly(name: string, u: UpstreamDist, packages: readonly IndexEntry[]): Promise<string> {
  const root = path.join(dir, name);
  await fs.promises.mkdir(path.join(root, 'gnupg'), { recursive: true, mode: 0o700 });
  const conf = path.join(root, 'aptly.conf');
  await writeAptlyConfig(conf, {}, { rootDir: path.join(root, 'root'), archs: ARCHS, verify: false, recommends: true });
  const aptly = new Aptly(conf, path.join(root, 'gnupg'), path.join(root, 'log'), procs);
  const [filter, ...more] = filterChunks([...new Set(packages.map(e => `${e.name}_${e.version}_${e.architecture}`))]);
  expect(more).toEqual([]);
  const commands: string[][] = [];
  for (const [i, c] of u.published.entries()) {
    const spec = { name: `m-${c}`, url: u.url, distribution: u.dist, component: u.components[i], force: false, filter, withDeps: false, retries: 1 };
    commands.push(createMirrorArgs(spec), updateMirrorArgs(spec.name, 1), ['snapshot', 'create', `s-${c}`, 'from', 'mirror', spec.name]);
  }
  const { origin, label, suite } = publishedReleaseFields({ id: name, config: configOf(u), release: u.release });
  commands.push(['publish', 'snapshot', `-distribution=${u.publishAs}`, `-component=${u.published.join(',')}`,
    `-origin=${origin}`, `-label=${label}`, `-suite=${suite}`, '-acquire-by-hash', '-batch', '-skip-signing',
    ...u.published.map(c => `s-${c}`), PREFIX]);
  const r = await aptly.task(commands, 'aptly failed');
  if (r.error !== undefined) throw new Error(`aptly: ${commands[r.completed].join(' ')}: ${r.error}`);
  const tree = path.join(root, 'root', 'public', PREFIX);
  // As the build does before signing (release-writer.ts): aptly's symlinks named after the index go.
  await tidyByHash(path.join(tree, 'dists', u.publishAs));
  return tree;
}

/** The source's aptly config as the build writes it (MiniMirror's defaults: Packages.bz2 published). */
async function aptlyConfOf(work: string): Promise<string> {
  const conf = path.join(work, 'aptly.conf');
  await fs.promises.mkdir(work, { recursive: true });
  await writeAptlyConfig(conf, {}, { rootDir: path.join(work, 'root'), archs: ARCHS, verify: false, recommends: true });
  return conf;
}

/**
 * The runner's way: the chosen files downloaded and verified into the upstream cache, then
 * publishWithRunner. The source is the part of a SourceMirror that publishing reads, with real
 * values (the runner's own come from source-mirror.ts).
 */
async function publishOurs(name: string, u: UpstreamDist, packages: readonly IndexEntry[]): Promise<string> {
  await fetchVerified(packages, u.cache, { concurrency: 4, retries: 2, id: name });
  const work = path.join(dir, name);
  const source = {
    id: name,
    work,
    config: configOf(u),
    release: u.release,
    services: { cache: u.cache, aptly: { config: await aptlyConfOf(work) } },
    state: { mirrors: new Map(u.published.map(c => [c, []])), mirrored: [...packages], indexedBy: 'runner' },
  } as unknown as SourceMirror;
  const log = new BuildLog();
  jest.spyOn(log, 'step').mockImplementation(() => undefined);
  await publishWithRunner(source, ARCHS, { log, procs });
  return path.join(work, 'root', 'public', PREFIX);
}

/**
 * Field names aptly writes in another case than upstream (and so ours): aptly canonicalizes them
 * (deb/format.go canonicalCase). apt does not mind; listed so that a change either way shows.
 */
const ACCEPTED_CASE_CHANGES = ['Description-md5 -> Description-Md5'];

test('the upstream has what the layout must handle: two components, both architectures, arch:all, Source fields, a lib source, two versions', () => {
  const keys = chosen.map(e => `${e.component} ${e.key}`);
  expect(keys).toEqual(expect.arrayContaining(['main app 1:2.0-1 amd64', 'main app 1:2.0-1 arm64', 'main app-common 1:2.0-1 all',
    'main libfoo1 1.2-1 amd64', 'main libfoo1 1.1-1 amd64', 'main tool 3.0-1+b1 arm64', 'contrib extra 0.5 all', 'contrib extra-tool 0.5 arm64', 'contrib libbar 1.0 amd64']));
  const tool = chosen.find(e => e.name === 'tool')!;
  expect(tool.stanza).toMatch(/^Source: tool \(3\.0-1\)$/m);
  expect(chosen.find(e => e.name === 'app')!.stanza).toMatch(/^Description: .*\n .*\n .*\n \.\n /m);
  expect(upstream.entries.map(e => e.name)).toContain('unwanted');
});

test('the same pool paths, the same bytes at each; the chosen packages only', () => {
  const aptlyPool = filesBelow(path.join(aptlyTree, 'pool'));
  const ourPool = filesBelow(path.join(ourTree, 'pool'));
  expect(ourPool).toEqual(aptlyPool);
  expect(ourPool).toEqual(expect.arrayContaining(['main/a/appsuite/app_2.0-1_amd64.deb', 'main/libf/libfoo/libfoo1_1.1-1_amd64.deb',
    'main/t/tool/tool_3.0-1+b1_arm64.deb', 'contrib/e/extra/extra-tool_0.5_arm64.deb', 'contrib/libb/libbar/libbar_1.0_amd64.deb']));
  expect(ourPool.join('\n')).not.toMatch(/unwanted/);
  expect(ourPool).toHaveLength(new Set(chosen.map(e => `${e.component} ${e.key}`)).size);
  for (const f of ourPool) expect(fs.readFileSync(path.join(ourTree, 'pool', f)).equals(fs.readFileSync(path.join(aptlyTree, 'pool', f)))).toBe(true);
});

describe.each(COMPONENTS.flatMap(c => ARCHS.map(a => [c, a])))('%s/binary-%s', (c, a) => {
  test('the same packages in the same order; every field aptly writes has our value (normalized as aptly does), its only extras checksums upstream lacked', () => {
    expectSameIndex({ aptly: aptlyTree, ours: ourTree }, DIST, c, a, chosen);
  });

  test('Packages.gz is Packages; the small Release is aptly\'s, byte for byte', () => {
    expectSameSmallFiles({ aptly: aptlyTree, ours: ourTree }, DIST, c, a);
  });
});

test('the only field names aptly writes in another case than ours are the accepted ones', () => {
  const changes = new Set<string>();
  for (const c of COMPONENTS) {
    for (const a of ARCHS) {
      const theirs = stanzas(packagesOf(aptlyTree, c, a, DIST));
      for (const [i, mine] of stanzas(packagesOf(ourTree, c, a, DIST)).entries()) {
        const own = byLowerName(mine);
        for (const name of theirs[i].keys()) {
          const found = own.get(name.toLowerCase());
          if (found && found[0] !== name) changes.add(`${found[0]} -> ${name}`);
        }
      }
    }
  }
  expect([...changes].sort()).toEqual(ACCEPTED_CASE_CHANGES);
});

describe('the distribution Release', () => {
  test('the same Origin, Label, Suite, Codename, Architectures, Components and Acquire-By-Hash as aptly\'s', () => {
    const ours = parseRelease(fs.readFileSync(distFile(ourTree, 'Release', DIST), 'utf8')).fields;
    const theirs = parseRelease(fs.readFileSync(distFile(aptlyTree, 'Release', DIST), 'utf8')).fields;
    for (const f of ['Origin', 'Label', 'Suite', 'Codename', 'Architectures', 'Components', 'Acquire-By-Hash']) {
      expect(`${f}: ${ours.get(f)}`).toBe(`${f}: ${theirs.get(f)}`);
    }
    expect(ours.get('Components')).toBe('contrib main');
    expect([...ours.keys()]).toEqual([...theirs.keys()]);
  });

  test('every file it lists exists with that size and all four hashes; aptly lists the same files, Packages.bz2 included', () => {
    expect(expectSameReleaseFiles({ aptly: aptlyTree, ours: ourTree }, DIST)).toHaveLength(COMPONENTS.length * ARCHS.length * 4);
  });

  test('every by-hash file exists and is the file it names; aptly has the same by-hash directories', () => {
    const { sums } = parseRelease(fs.readFileSync(distFile(ourTree, 'Release', DIST), 'utf8'));
    for (const [title, files] of sums) {
      for (const [rel, [hash]] of files) {
        const byHash = distFile(ourTree, path.posix.join(path.posix.dirname(rel), 'by-hash', title, hash), DIST);
        expect(fs.readFileSync(byHash).equals(fs.readFileSync(distFile(ourTree, rel, DIST)))).toBe(true);
      }
    }
    const byHashDirs = (tree: string) => [...new Set(filesBelow(path.join(tree, 'dists', DIST)).filter(f => f.includes('/by-hash/')).map(f => path.dirname(f)))].sort();
    expect(byHashDirs(ourTree)).toEqual(byHashDirs(aptlyTree));
    // The small Releases are identical, so are their by-hash names.
    const releases = (tree: string) => filesBelow(path.join(tree, 'dists', DIST)).filter(f => f.includes('/by-hash/')
      && fs.readFileSync(distFile(tree, f, DIST)).toString().startsWith('Origin:')).sort();
    expect(releases(ourTree)).toEqual(releases(aptlyTree));
  });
});

describe('a flat repository, published as component main', () => {
  let u: UpstreamDist;
  let trees: Trees;

  beforeAll(async () => {
    u = await openUpstream('vendor', './', [], 'vendor');
    const [a, o] = await Promise.all([publishWithAptly('aptly-flat', u, u.entries), publishOurs('ours-flat', u, u.entries)]);
    trees = { aptly: a, ours: o };
  });

  test('the same pool paths and bytes: by source name, below main/, no other architecture', () => {
    const pool = filesBelow(path.join(trees.ours, 'pool'));
    expect(pool).toEqual(filesBelow(path.join(trees.aptly, 'pool')));
    expect(pool).toEqual(['main/v/vlib/vlib_1.0_all.deb', 'main/v/vtool-src/vtool_1.9-1_amd64.deb', 'main/v/vtool-src/vtool_2.0-1_amd64.deb', 'main/v/vtool-src/vtool_2.0-1_arm64.deb']);
    for (const f of pool) expect(fs.readFileSync(path.join(trees.ours, 'pool', f)).equals(fs.readFileSync(path.join(trees.aptly, 'pool', f)))).toBe(true);
  });

  test.each(ARCHS)('binary-%s: the same packages and field values, the same small Release', (a) => {
    expectSameIndex(trees, 'vendor', 'main', a, u.entries);
    expectSameSmallFiles(trees, 'vendor', 'main', a);
  });

  test('the Release has aptly\'s fields and lists the same files', () => {
    expect(expectSameReleaseFiles(trees, 'vendor')).toHaveLength(ARCHS.length * 4);
    expect(releaseHead(trees.ours, 'vendor')).toEqual(releaseHead(trees.aptly, 'vendor'));
    expect(releaseHead(trees.ours, 'vendor')).toMatchObject({ Origin: 'Vendor', Label: 'Vendor Tools', Suite: 'stable', Codename: 'vendor', Components: 'main' });
  });
});

describe('an upstream listing MD5sum and SHA256 only (as Debian does)', () => {
  let u: UpstreamDist;
  let trees: Trees;

  beforeAll(async () => {
    u = await openUpstream('debian-like', 'trixie', ['main']);
    const [a, o] = await Promise.all([publishWithAptly('aptly-trixie', u, u.entries), publishOurs('ours-trixie', u, u.entries)]);
    trees = { aptly: a, ours: o };
  });

  test('aptly adds the SHA1 and SHA512 it computed, ours lists upstream\'s; every other field and the small Releases are the same', () => {
    const [theirs, ours] = [trees.aptly, trees.ours].map(t => stanzas(packagesOf(t, 'main', 'amd64', 'trixie')));
    expect(theirs.map(s => [s.has('SHA1'), s.has('SHA512')])).toEqual([[true, true], [true, true]]);
    expect(ours.map(s => [s.has('SHA1'), s.has('SHA512'), s.has('SHA256')])).toEqual([[false, false, true], [false, false, true]]);
    for (const a of ARCHS) {
      expectSameIndex(trees, 'trixie', 'main', a, u.entries);
      expectSameSmallFiles(trees, 'trixie', 'main', a);
    }
    expect(expectSameReleaseFiles(trees, 'trixie')).toHaveLength(ARCHS.length * 4);
  });
});

describe('Release fields aptly takes from upstream\'s Release or its own defaults', () => {
  const trees = new Map<string, Trees>();
  const entries = new Map<string, IndexEntry[]>();

  beforeAll(async () => {
    for (const dist of [BACKPORTS, PLAIN]) {
      const u = await openUpstream('debian', dist, ['main']);
      const [a, o] = await Promise.all([publishWithAptly(`aptly-${dist}`, u, u.entries), publishOurs(`ours-${dist}`, u, u.entries)]);
      trees.set(dist, { aptly: a, ours: o });
      entries.set(dist, u.entries);
    }
  });

  test('aptly, the oracle: a backports Release keeps NotAutomatic and ButAutomaticUpgrades; without Origin, Label, Suite upstream they are "<prefix> <distribution>" and the distribution', () => {
    expect(releaseHead(trees.get(BACKPORTS)!.aptly, BACKPORTS)).toMatchObject({ NotAutomatic: 'yes', ButAutomaticUpgrades: 'yes', Label: 'Debian Backports' });
    expect(releaseHead(trees.get(PLAIN)!.aptly, PLAIN)).toMatchObject({ Origin: `${PREFIX} ${PLAIN}`, Label: `${PREFIX} ${PLAIN}`, Suite: PLAIN, Codename: PLAIN });
  });

  test.each([BACKPORTS, PLAIN])('%s: the same indexes, an empty one (no arm64 package) included, and the Release lists the same files', (dist) => {
    const t = trees.get(dist)!;
    expectSameIndex(t, dist, 'main', 'amd64', entries.get(dist)!);
    expect(packagesOf(t.ours, 'main', 'arm64', dist)).toBe('');
    expect(packagesOf(t.aptly, 'main', 'arm64', dist)).toBe('');
    expect(expectSameReleaseFiles(t, dist)).toHaveLength(ARCHS.length * 4);
  });

  test.each([
    [BACKPORTS, 'NotAutomatic: yes and ButAutomaticUpgrades: yes from upstream (without them apt would install and upgrade from backports by default)'],
    [PLAIN, 'Origin and Label "debian plain" and Suite "plain", in the small Releases too'],
  ])('the %s Releases (the distribution\'s and each binary-<arch>/Release) have the fields aptly writes: %s', (dist) => {
    const { aptly: a, ours: o } = trees.get(dist)!;
    expect(releaseHead(o, dist)).toEqual(releaseHead(a, dist));
    // In aptly's order too (toEqual ignores the order of keys).
    expect(Object.keys(releaseHead(o, dist))).toEqual(Object.keys(releaseHead(a, dist)));
    for (const arch of ARCHS) expectSameSmallFiles({ aptly: a, ours: o }, dist, 'main', arch);
  });
});

describe('the runner\'s plan (subset-plan.ts) with a dependency found in two components', () => {
  let aptlyPool: string[];
  let ourPool: string[];
  let wholeIndexPool: string[];
  let refs: readonly string[];

  beforeAll(async () => {
    const plan = planSource({ upstream: NameIndex.of(upstream.entries), queries: ['extra-tool'], archs: ARCHS, follow: followedRelations({}, true) })!;
    refs = plan.refs ?? [];
    // What source-mirror.ts's planAndServe gives the runner to publish.
    const runnerChosen = plan.universe.filter(e => plan.entries.has(e));
    // aptly as the build ran it for such a plan: from the loopback server, which serves it an index of the chosen entries only.
    const server = await LocalUpstreamServer.start([upstream.cache]);
    try {
      const where = { info: upstream.release, components: upstream.components, archs: ARCHS };
      await serveSubset({ cache: upstream.cache, upstream: upstream.entries, entries: new Set(runnerChosen), where });
      const [a, o, whole] = await Promise.all([publishWithAptly('aptly-plan', { ...upstream, url: server.urlFor(0) }, runnerChosen),
        publishOurs('ours-plan', upstream, runnerChosen), publishWithAptly('aptly-plan-whole', upstream, runnerChosen)]);
      [aptlyPool, ourPool, wholeIndexPool] = [filesBelow(path.join(a, 'pool')), filesBelow(path.join(o, 'pool')), filesBelow(path.join(whole, 'pool'))];
    } finally {
      await server.stop();
    }
  });

  test('aptly reading the index the build served it publishes the dependency once, in the component the plan chose, as the runner does', () => {
    expect(refs).toContain('shared_1.0_all');
    expect(ourPool).toEqual(aptlyPool);
    expect(ourPool.filter(f => f.endsWith('/shared_1.0_all.deb'))).toEqual(['main/s/shared/shared_1.0_all.deb']);
  });

  test('(why the build serves aptly that index: from the whole index, refs without a component take the dependency from both components)', () => {
    expect(wholeIndexPool).toEqual(expect.arrayContaining(['contrib/s/shared/shared_1.0_all.deb', 'main/s/shared/shared_1.0_all.deb']));
  });
});

test('written twice, the runner\'s tree is the same, byte for byte', async () => {
  const again = await publishOurs('ours-again', upstream, chosen);
  const files = filesBelow(ourTree);
  expect(filesBelow(again)).toEqual(files);
  for (const f of files) expect(`${f}: ${fs.readFileSync(path.join(again, f)).equals(fs.readFileSync(path.join(ourTree, f)))}`).toBe(`${f}: true`);
});

describe('apt reads the runner\'s tree, signed as the build signs it', () => {
  let served: FileServerHandle;
  let client: AptClient;
  let home: string;

  beforeAll(async () => {
    const key = await cachedTestKey();
    const secret = path.join(dir, 'secret');
    fs.mkdirSync(secret);
    fs.writeFileSync(path.join(secret, 'key.asc'), key.privateKey);
    const config: SigningConfig = { mode: 'key', privateKeyFile: 'key.asc', passphraseFile: null, fingerprint: key.fingerprint };
    // Short: gpg-agent's socket path must fit in 108 bytes.
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'mmo-'));
    const log = new BuildLog();
    jest.spyOn(log, 'step').mockImplementation(() => undefined);
    const signer = (await setupSigning(config, { signingDir: secret, home }, log, procs))!;
    const root = path.dirname(ourTree);
    await finishRelease(root, { prefix: PREFIX, distribution: DIST }, { date: Math.floor(Date.now() / 1000) - 60 }, signer);
    served = await startFileServer(root);
    client = await AptClient.create([{ uri: `${served.url}/${PREFIX}`, suite: DIST, components: COMPONENTS, signedBy: key.publicKey }]);
  });

  afterAll(async () => {
    await client?.dispose();
    await served?.stop();
    if (home) {
      await runCommand('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: home } });
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  test('apt-get update takes the InRelease without a warning, and downloads a package with its dependencies from both components', async () => {
    await client.update();
    expect(await client.versions('libfoo1')).toEqual(['1.2-1', '1.1-1']);
    expect(await downloadDebs(client, ['extra', 'tool'])).toEqual(['app-common_1%3a2.0-1_all.deb', 'app_1%3a2.0-1_amd64.deb', 'extra_0.5_all.deb',
      'libfoo1_1.2-1_amd64.deb', 'multiarch-support_2.36-9_all.deb', 'tool_3.0-1+b1_amd64.deb']);
  });
});
