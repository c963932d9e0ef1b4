/**
 * The build Job's mirror step (synthesized, run through the pod runner) against fake upstreams
 * shaped like real archives (test/support/fake-world.ts): pockets that depend on their base suite,
 * Debian's security layout, arch:all packages depending on arch-specific ones, arch:all-only and
 * flat repositories, binary and multi-key keyrings, InRelease-only and Release.gpg-only archives,
 * a stalling server; then apt-get with Signed-By installs from the mirror alone.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AptClient, AptSource } from '../support/apt-client';
import { archAllOnlyArchive, DEBIAN_LIKE_WORLD, FakeWorld, FakeWorldHandle, flatArchive } from '../support/fake-world';
import { startNginx } from '../support/nginx';
import { expectBuildFailed } from '../support/build-verdicts';
import { BuildResult, BuildSourceSpec, BuildSpec, removeBuild, runBuild } from '../support/run-build';
import { GeneratedKey, generateSigningKey } from '../support/signing-key';

let mirrorKey: GeneratedKey;
const toStop: Array<() => Promise<void>> = [];
const buildDirs: string[] = [];

beforeAll(async () => {
  mirrorKey = await generateSigningKey({ userId: 'Shapes Mirror <mirror@example.com>' });
}, 60_000);

afterAll(async () => {
  for (const stop of toStop.reverse()) await stop();
  for (const dir of buildDirs) await removeBuild(dir);
});

async function world(spec: Parameters<typeof FakeWorld.start>[0], options: Parameters<typeof FakeWorld.start>[1] = {}): Promise<FakeWorldHandle> {
  const w = await FakeWorld.start(spec, options);
  toStop.push(() => w.stop());
  return w;
}

async function build(sources: BuildSourceSpec[], extra: Partial<BuildSpec> = {}): Promise<BuildResult> {
  const r = await runBuild({
    signing: { mode: 'key', privateKey: mirrorKey.privateKey, publicKey: mirrorKey.publicKey, fingerprint: mirrorKey.fingerprint },
    defaultAptlyConf: {},
    sources,
    ...extra,
  });
  buildDirs.push(r.rootDir);
  return r;
}

function succeeded(r: BuildResult): void {
  if (r.exitCode !== 0) throw new Error(`build failed (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  expect(fs.readdirSync(r.workspace)).toEqual(['public']);
}

async function client(r: BuildResult, sources: Array<Omit<AptSource, 'signedBy' | 'uri'> & { path: string }>, arch = 'amd64'): Promise<AptClient> {
  const nginx = await startNginx(r.publicDir);
  toStop.push(() => nginx.stop());
  const signedBy = fs.readFileSync(path.join(r.publicDir, 'mirror-key.asc'), 'utf8');
  const c = await AptClient.create(sources.map(s => ({ uri: `${nginx.url}/${s.path}`, suite: s.suite, components: s.components, signedBy })), { architecture: arch });
  toStop.push(() => c.dispose());
  await c.update();
  return c;
}

function manifestNames(r: BuildResult, distribution: string): string[] {
  const m = JSON.parse(fs.readFileSync(path.join(r.publicDir, 'manifest.json'), 'utf8'));
  return m.packages.filter((p: any) => p.distribution === distribution).map((p: any) => `${p.name} ${p.version} ${p.architecture}`).sort();
}

describe('real archive shapes through the synthesized build Job', () => {
  test('a release with its pockets and security archive is one world: pocket dependencies come from the base suite', async () => {
    const w = await world(DEBIAN_LIKE_WORLD);
    const debian = w.archives.debian;
    const sec = w.archives['debian-security'];
    const r = await build([
      { prefix: 'debian', name: 'bookworm', url: debian.url, keyUrl: w.keys.archive.binaryUrl, distribution: 'bookworm', components: ['main'], packages: ['py-tool'] },
      { prefix: 'debian', name: 'bookworm-updates', url: debian.url, keyUrl: w.keys.archive.multiKeyUrl, distribution: 'bookworm-updates', components: ['main'], packages: ['upd-tool'] },
      { prefix: 'debian-security', name: 'bookworm-security', url: sec.url, keyUrl: w.keys.security.url, distribution: 'bookworm-security', components: ['main'], packages: ['sec-tool'] },
    ]);
    succeeded(r);
    expect(r.stdout).toMatch(/world bookworm: added \d+ dependencies/);
    expect(r.stdout).toMatch(/world bookworm: dose-debcheck installs all \d+ requested packages \(amd64\)/);
    // amd64 only (the mirror-wide default); arch:all py-tool resolved against amd64, never 'all'
    expect(fs.existsSync(path.join(r.publicDir, 'debian/dists/bookworm/main/binary-arm64'))).toBe(false);
    // what the pockets need lives in bookworm: it was added to the bookworm source
    expect(manifestNames(r, 'bookworm')).toEqual(expect.arrayContaining(['base-pre 1.0 amd64', 'libdeep1 1.0 amd64', 'py-runtime 1.0 amd64']));
    // the security archive is published as written: bookworm-security main
    expect(fs.existsSync(path.join(r.publicDir, 'debian-security/dists/bookworm-security/main/binary-amd64/Packages'))).toBe(true);
    expect(w.requests.some(p => p.includes('/updates/main/'))).toBe(false);

    const c = await client(r, [
      { path: 'debian', suite: 'bookworm', components: ['main'] },
      { path: 'debian', suite: 'bookworm-updates', components: ['main'] },
      { path: 'debian-security', suite: 'bookworm-security', components: ['main'] },
    ]);
    const plan = await c.simulateInstall(['py-tool', 'upd-tool', 'sec-tool']);
    expect(plan.map(p => `${p.name} ${p.version}`)).toEqual(expect.arrayContaining(['upd-tool 1.1', 'py-tool 1.1', 'libbase1 1.0+deb12u1', 'py-runtime 1.0']));
  });

  test('an upstream of arch:all packages only builds with the default architectures, in the world it names', async () => {
    const w = await world({ archives: [archAllOnlyArchive(), ...DEBIAN_LIKE_WORLD.archives.filter(a => a.path === 'debian')] });
    const a = w.archives['vendor-all'];
    const r = await build([
      { prefix: 'vendor', name: 'cli', url: a.url, keyUrl: a.keyUrl, distribution: 'stable', components: ['main'], packages: ['vendor-cli'], world: 'bookworm' },
      { prefix: 'debian', name: 'bookworm', url: w.archives.debian.url, keyUrl: w.keys.archive.url, distribution: 'bookworm', components: ['main'], packages: ['base-decoy'] },
    ]);
    succeeded(r);
    expect(fs.existsSync(path.join(r.publicDir, 'vendor/dists/stable/main/binary-amd64/Packages'))).toBe(true);
    // vendor-cli needs py-runtime: it came from the bookworm source of the same world
    expect(manifestNames(r, 'bookworm')).toEqual(expect.arrayContaining(['py-runtime 1.0 amd64']));
    const c = await client(r, [
      { path: 'vendor', suite: 'stable', components: ['main'] },
      { path: 'debian', suite: 'bookworm', components: ['main'] },
    ]);
    expect((await c.simulateInstall(['vendor-cli'])).map(p => p.name)).toEqual(expect.arrayContaining(['vendor-cli', 'vendor-lib', 'py-runtime']));
  });

  test('a flat repository with a multi-key binary keyring is mirrored, closed over its own packages and published under its name', async () => {
    const w = await world({ archives: [flatArchive(), ...DEBIAN_LIKE_WORLD.archives.filter(a => a.path === 'debian')] });
    const flat = w.archives.flat;
    const r = await build([
      { prefix: 'vendor', name: 'tools', url: flat.url, keyUrl: w.keys.archive.multiKeyUrl, distribution: './', components: [], packages: ['flat-tool'] },
      { prefix: 'debian', name: 'bookworm', url: w.archives.debian.url, keyUrl: w.keys.archive.url, distribution: 'bookworm', components: ['main'], packages: ['base-decoy'] },
    ]);
    succeeded(r);
    // aptly's -filter-with-deps follows nothing in a flat repository: the world closure did
    expect(manifestNames(r, 'tools')).toEqual(['flat-data 3.1-1 all', 'flat-tool 3.1-1 amd64']);
    expect(manifestNames(r, 'bookworm')).toEqual(expect.arrayContaining(['libbase1 1.0 amd64', 'libdeep1 1.0 amd64']));
    const c = await client(r, [
      { path: 'vendor', suite: 'tools', components: ['main'] },
      { path: 'debian', suite: 'bookworm', components: ['main'] },
    ]);
    expect((await c.simulateInstall(['flat-tool'])).map(p => p.name).sort()).toEqual(['flat-data', 'flat-tool', 'libbase1', 'libdeep1']);
  });

  test('InRelease-only and Release.gpg-only upstreams are verified', async () => {
    const pkg = { name: 'only-tool', version: '1.0', architecture: 'amd64' };
    const w = await world({
      archives: [
        { kind: 'dists', path: 'inrel', distributions: [{ name: 'stable', architectures: ['amd64'], signature: 'inrelease', components: { main: [pkg] } }] },
        { kind: 'dists', path: 'relgpg', distributions: [{ name: 'stable', architectures: ['amd64'], signature: 'release-gpg', components: { main: [pkg] } }] },
      ],
    });
    const r = await build([
      { prefix: 'inrel', name: 'stable', url: w.archives.inrel.url, keyUrl: w.archives.inrel.keyUrl, distribution: 'stable', components: ['main'], packages: ['only-tool'] },
      { prefix: 'relgpg', name: 'stable', url: w.archives.relgpg.url, keyUrl: w.archives.relgpg.keyUrl, distribution: 'stable', components: ['main'], packages: ['only-tool'] },
    ]);
    succeeded(r);
  });

  test('a download that stalls is aborted after the stall timeout and retried', async () => {
    const w = await world(DEBIAN_LIKE_WORLD, { stall: { path: /\/pool\/.*py-tool_1\.0/, firstRequests: 1 } });
    const r = await build([
      { prefix: 'debian', name: 'bookworm', url: w.archives.debian.url, keyUrl: w.keys.archive.url, distribution: 'bookworm', components: ['main'], packages: ['py-tool (= 1.0)'] },
    ], { stallTimeoutSeconds: 10, retries: 2 });
    succeeded(r);
    expect(w.stalled.length).toBe(1);
    expect(r.stdout).toMatch(/stalled: less than 1 KiB\/s for 10s \(stallTimeout\): [0-9.]+ (bytes|KiB) in 1[0-9.]+s, [0-9.]+ (KiB|bytes)\/s \(attempt 1\/2\), retrying/);
  });

  test('real-world mistakes fail early with the upstream\'s own offer', async () => {
    const w = await world(DEBIAN_LIKE_WORLD, { files: { '/keys/page.html': '<!DOCTYPE html><html><body>Download our key</body></html>\n' } });
    const debian = w.archives.debian;
    const typo = await build([{ prefix: 'debian', name: 'bookworm', url: debian.url, keyUrl: w.keys.archive.url, distribution: 'bookworm', components: ['mian'], packages: ['py-tool'] }]);
    expectBuildFailed(typo, /component "mian" is not offered by .* bookworm; its Release offers: main, contrib/);
    expect(w.requests.filter(p => p.includes('/pool/'))).toEqual([]);

    const arch = await build([{ prefix: 'debian', name: 'bookworm', url: debian.url, keyUrl: w.keys.archive.url, distribution: 'bookworm', components: ['main'], packages: ['py-tool'] }],
      { architectures: ['riscv64'] });
    expectBuildFailed(arch, /architecture riscv64 is not offered by .* bookworm; its Release offers: /);

    const page = await build([{ prefix: 'debian', name: 'bookworm', url: debian.url, keyUrl: `${w.url}/keys/page.html`, distribution: 'bookworm', components: ['main'], packages: ['py-tool'] }]);
    expectBuildFailed(page, /holds no OpenPGP public key \(it served a web page/);
  });

  test('10,000 version-constrained queries build (no command-line limit) and are each checked', async () => {
    const w = await world(DEBIAN_LIKE_WORLD);
    const queries = Array.from({ length: 10_000 }, (_, i) => `py-tool (>= 0.${i + 1})`);
    const r = await build([{ prefix: 'debian', name: 'bookworm', url: w.archives.debian.url, keyUrl: w.keys.archive.url, distribution: 'bookworm', components: ['main'], packages: queries }]);
    succeeded(r);
    expect(manifestNames(r, 'bookworm')).toEqual(expect.arrayContaining(['py-tool 1.0 all', 'py-runtime 1.0 amd64']));
  });
});
