// aptly as the oracle for the subset index: the same source mirrored by aptly from upstream's whole
// index and from the subset the runner serves must give the same packages.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Aptly, createMirrorArgs, filterChunks, packageKeysArgs, parsePackageKeys, updateMirrorArgs } from '../../src/runner/aptly/aptly';
import { writeAptlyConfig } from '../../src/runner/aptly/aptly-conf';
import { NameIndex } from '../../src/runner/deb/name-index';
import { IndexEntry, indexPath, parseIndex } from '../../src/runner/deb/packages-index';
import { BuildLog } from '../../src/runner/log';
import { Fetcher, UpstreamCache } from '../../src/runner/net/fetcher';
import { LocalUpstreamServer, overlayOf } from '../../src/runner/net/local-upstream';
import { ChildProcesses } from '../../src/runner/proc';
import { serveSubset, subsetRelease } from '../../src/runner/subset-index';
import { followedRelations, planSource, relationClosure, relationNames } from '../../src/runner/subset-plan';
import { loadIndex } from '../../src/runner/upstream/indexes';
import { fetchRelease, ReleaseInfo } from '../../src/runner/upstream/release';
import { closeOver } from '../../src/runner/world-closure';
import { PackageSpec } from '../support/archive-builder';
import { FakeWorld, FakeWorldHandle } from '../support/fake-world';

/** This file's child processes (a build has its own, from its BuildRun). */
const procs = new ChildProcesses();

jest.setTimeout(120_000);

const PACKAGES: PackageSpec[] = [
  { name: 'app', version: '1.0', architecture: 'amd64', depends: 'libapp (>= 1), default-mta | mail-transport-agent', recommends: 'app-docs', suggests: 'app-extra' },
  { name: 'libapp', version: '1.2', architecture: 'amd64', depends: 'libc6 (>= 2.36)' },
  { name: 'libapp', version: '0.9', architecture: 'amd64', depends: 'libc6' },
  { name: 'libc6', version: '2.36-9', architecture: 'amd64' },
  { name: 'postfix', version: '3.7', architecture: 'amd64', provides: 'mail-transport-agent', depends: 'libc6' },
  { name: 'app-docs', version: '1.0' },
  { name: 'app-extra', version: '1.0', depends: 'app-extra-data' },
  { name: 'app-extra-data', version: '1.0' },
  { name: 'tool', version: '2.0', architecture: 'amd64', preDepends: 'libc6:any' },
  { name: 'unrelated', version: '1.0', architecture: 'amd64', depends: 'other' },
  { name: 'other', version: '1.0' },
];

let world: FakeWorldHandle;
let server: LocalUpstreamServer;
let dir: string;
let cache: UpstreamCache;
let release: ReleaseInfo;
let upstream: IndexEntry[];
let names: NameIndex;

beforeAll(async () => {
  world = await FakeWorld.start({ archives: [{ kind: 'dists', path: 'debian', distributions: [{ name: 'bookworm', architectures: ['all', 'amd64'], components: { main: PACKAGES } }] }] });
  dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mm-subset-'));
  cache = new UpstreamCache(world.archives.debian.url, path.join(dir, 'cache'), new Fetcher({ retries: 1, stallSeconds: 5 }, new BuildLog(), procs), 'debian/bookworm');
  release = await fetchRelease({ cache, distribution: 'bookworm', what: 'debian/bookworm', procs });
  cache.release = release;
  upstream = parseIndex(await loadIndex({ cache, release, path: indexPath('main', 'amd64'), verify: false, what: 'debian/bookworm', procs }), 0, 'main');
  names = NameIndex.of(upstream);
  server = await LocalUpstreamServer.start([cache]);
});

afterAll(async () => {
  await server?.stop();
  await world?.stop();
  if (dir) await fs.promises.rm(dir, { recursive: true, force: true });
});

/** A mirror made by aptly in its own root, listed as sorted `name version arch` keys. */
async function mirror(name: string, filter: string, o: { withDeps: boolean; suggests?: boolean }): Promise<string[]> {
  const root = path.join(dir, name);
  await fs.promises.mkdir(path.join(root, 'gnupg'), { recursive: true, mode: 0o700 });
  const conf = path.join(root, 'aptly.conf');
  await writeAptlyConfig(conf, { dependencyFollowSuggests: o.suggests ?? false }, { rootDir: path.join(root, 'root'), archs: ['amd64'], verify: false, recommends: true });
  const aptly = new Aptly(conf, path.join(root, 'gnupg'), path.join(root, 'log'), procs);
  const spec = { name, url: server.urlFor(0), distribution: 'bookworm', component: 'main', force: false, filter, withDeps: o.withDeps, retries: 1 };
  await aptly.run(createMirrorArgs(spec), `${name}: create`);
  await aptly.run(updateMirrorArgs(name, 1), `${name}: update`);
  return parsePackageKeys((await aptly.run(packageKeysArgs(name), `${name}: list`)).output).sort();
}

const where = () => ({ info: release, components: ['main'], archs: ['amd64'] });

test('relationNames: every alternative, without versions, qualifiers or restrictions', () => {
  expect(relationNames('a (>= 1) | b:any, c [amd64] <!nocheck>, d:amd64 (<< 2)')).toEqual(['a', 'b', 'c', 'd']);
  expect(relationNames(undefined)).toEqual([]);
});

test('subsetRelease: upstream fields kept, checksums of the served files only, no Acquire-By-Hash', () => {
  const text = 'Origin: Debian\nCodename: bookworm\nAcquire-By-Hash: yes\nMD5Sum:\n 00 1 main/binary-amd64/Packages.xz\nSHA256:\n ff 1 main/binary-amd64/Packages.xz\nComponents: main\n';
  const r = subsetRelease(text, new Map([['main/binary-amd64/Packages', 'Package: a\n\n']]));
  expect(r).toContain('Origin: Debian\nCodename: bookworm\nComponents: main\n');
  expect(r).not.toMatch(/Acquire-By-Hash|Packages\.xz/);
  expect(r.match(/^ [0-9a-f]+ +12 main\/binary-amd64\/Packages$/gm)).toHaveLength(4);
  // sha256 of the served text
  expect(r).toContain(` ${crypto.createHash('sha256').update('Package: a\n\n').digest('hex')}`);
});

test('the aptly config decides the plan: source packages keep the whole index, Suggests a resolving subset', () => {
  expect(followedRelations({ dependencyFollowSource: true }, true)).toBeUndefined();
  const suggests = planSource({ upstream: names, queries: ['app'], archs: ['amd64'], follow: followedRelations({ dependencyFollowSuggests: true }, true) });
  expect(suggests?.refs).toBeUndefined();
  expect([...suggests!.entries].map(e => e.key)).toContain('app-extra-data 1.0 all');
  // A regular expression, or a query our evaluator matches nowhere: aptly evaluates it on the whole index.
  expect(planSource({ upstream: names, queries: ['Name (~ ^app$)'], archs: ['amd64'], follow: followedRelations({}, true) })).toBeUndefined();
  expect(planSource({ upstream: names, queries: ['app', 'nosuch'], archs: ['amd64'], follow: followedRelations({}, true) })).toBeUndefined();
});

test('GIVEN aptly resolving Suggests THEN it picks the same packages from the subset as from the whole index', async () => {
  overlayOf(cache).clear();
  const full = await mirror('fullsug', 'app | tool', { withDeps: true, suggests: true });
  const entries = relationClosure(names, upstream.filter(e => ['app', 'tool'].includes(e.name)), { recommends: true, suggests: true, allVariants: false });
  // the unrelated packages are left out of the subset, every version of a named package is in
  expect([...entries].map(e => e.key).sort()).toEqual(upstream.map(e => e.key).filter(k => !/^(unrelated|other) /.test(k)).sort());
  await serveSubset({ cache, upstream, entries, where: where() });
  expect(await mirror('subsug', 'app | tool', { withDeps: true, suggests: true })).toEqual(full);
  expect(full).toContain('app-extra-data 1.0 all');
});

test('GIVEN the runner\'s plan THEN aptly mirrors exactly its references from the subset, what aptly resolves from the whole index', async () => {
  overlayOf(cache).clear();
  const full = await mirror('fullrec', 'app | tool', { withDeps: true });
  const plan = planSource({ upstream: names, queries: ['app', 'tool'], archs: ['amd64'], follow: followedRelations({}, true) })!;
  // the same choice as the closure over the whole upstream (what prefetch downloads)
  const matched = upstream.filter(e => ['app', 'tool'].includes(e.name));
  const whole = closeOver({ have: matched, requested: matched, universe: upstream, arch: 'amd64', followRecommends: () => true });
  expect([...plan.refs!].sort()).toEqual([...matched, ...whole.additions].map(e => `${e.name}_${e.version}_${e.architecture}`).sort());
  // prefetch walks the plan's universe: the same additions, and unrelated packages are not in it
  const walked = closeOver({ have: matched, requested: matched, universe: plan.universe, arch: 'amd64', followRecommends: () => true });
  expect(walked.additions).toEqual(whole.additions);
  expect(plan.universe.map(e => e.name)).not.toContain('unrelated');
  const subset = await serveSubset({ cache, upstream, entries: plan.entries, where: where() });
  const served = await mirror('subrec', filterChunks(plan.refs!)[0], { withDeps: false });
  expect(served).toEqual(plan.refs!.map(r => r.split('_').join(' ')).sort());
  expect(served).toEqual(full);
  expect(served).not.toContain('app-extra 1.0 all');
  // The world closure's additions widen what is served before its mirrors update.
  subset.add(upstream.filter(e => e.name === 'other'));
  expect(await mirror('added', 'other_1.0_all', { withDeps: false })).toEqual(['other 1.0 all']);
});
