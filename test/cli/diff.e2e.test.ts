/**
 * `mini-mirror diff`: on two manifests written by real builds (the synthesized Job's mirror step
 * against a fake Debian world, before and after the security archive is added), and on edge cases.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { run } from './run';
import { DEBIAN_LIKE_WORLD, FakeWorld, FakeWorldHandle } from '../support/fake-world';
import { BuildSourceSpec, removeBuild, runBuild } from '../support/run-build';
import { generateSigningKey } from '../support/signing-key';

let world: FakeWorldHandle;
let dir: string;
let oldFile: string;
let newFile: string;
const builds: string[] = [];

beforeAll(async () => {
  world = await FakeWorld.start(DEBIAN_LIKE_WORLD);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-diff-'));
  const key = await generateSigningKey({ userId: 'Diff Test <mirror@example.com>' });
  const bookworm: BuildSourceSpec = {
    prefix: 'debian',
    name: 'bookworm',
    url: world.archives.debian.url,
    keyUrl: world.keys.archive.url,
    distribution: 'bookworm',
    components: ['main'],
    packages: ['py-tool (= 1.0)', 'base-decoy'],
  };
  const security: BuildSourceSpec = {
    prefix: 'debian-security',
    name: 'bookworm-security',
    url: world.archives['debian-security'].url,
    keyUrl: world.keys.security.url,
    distribution: 'bookworm-security',
    components: ['main'],
    packages: ['sec-tool'],
  };
  const build = async (sources: BuildSourceSpec[], file: string) => {
    const r = await runBuild({
      signing: { mode: 'key', privateKey: key.privateKey, publicKey: key.publicKey, fingerprint: key.fingerprint },
      defaultAptlyConf: {},
      sources,
    });
    builds.push(r.rootDir);
    if (r.exitCode !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
    fs.copyFileSync(path.join(r.publicDir, 'manifest.json'), file);
  };
  oldFile = path.join(dir, 'old.json');
  newFile = path.join(dir, 'new.json');
  await build([{ ...bookworm, packages: [...bookworm.packages, 'base-mta'] }], oldFile);
  await build([bookworm, security], newFile);
}, 240_000);

afterAll(async () => {
  await world?.stop();
  for (const b of builds) await removeBuild(b);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('mini-mirror diff', () => {
  test('two real builds: added, removed, and a library updated by the security pocket', () => {
    const r = run('diff', oldFile, newFile);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/^old: [0-9a-f]{20}, built \d{4}-/m);
    expect(r.out).toMatch(/^added \(\d+\):\n(?:.*\n)*  bookworm  sec-tool amd64  1\.0\+deb12u1  \[security\]$/m);
    expect(r.out).toMatch(/^removed \(1\):\n  bookworm  base-mta amd64  1\.0$/m);
    expect(r.out).toMatch(/^changed \(1\):\n  bookworm  libbase1 amd64  1\.0 -> 1\.0, 1\.0\+deb12u1  \[security\]$/m);
    expect(r.out).toMatch(/^upstream Release dates of the new build:\n  debian\/bookworm: .*\n  debian-security\/bookworm-security: /m);
    expect(r.out).toMatch(/^summary: \d+ added, 1 removed, 1 changed \(\d+ from security pockets\)$/m);
  });

  test('--json carries the same comparison', () => {
    const r = run('diff', oldFile, newFile, '--json');
    expect(r.code).toBe(0);
    const d = JSON.parse(r.out);
    expect(d.changed).toEqual([{ world: 'bookworm', name: 'libbase1', architecture: 'amd64', oldVersions: ['1.0'], newVersions: ['1.0', '1.0+deb12u1'], security: true, downgrade: false }]);
    expect(d.downgraded).toEqual([]);
    expect(d.olderReleases).toEqual([]);
    expect(d.removed.map((c: any) => c.name)).toEqual(['base-mta']);
    expect(d.added.map((c: any) => c.name)).toContain('sec-tool');
    expect(d.new.buildIdentity).toMatch(/^[0-9a-f]{64}$/);
  });

  test('the same manifest twice: nothing changed', () => {
    expect(run('diff', newFile, newFile).out).toMatch(/^summary: 0 added, 0 removed, 0 changed \(0 from security pockets\)$/m);
  });

  test('bad inputs: every problem, exit 1; wrong command line: exit 2', () => {
    const notManifest = path.join(dir, 'not.json');
    fs.writeFileSync(notManifest, '{"hello": 1}');
    const r = run('diff', path.join(dir, 'missing.json'), notManifest);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/missing\.json: no such file: give the manifest\.json of a build/);
    expect(r.err).toMatch(/not\.json: not a mini-mirror manifest \(no "packages" list\)/);
    expect(run('diff', oldFile).code).toBe(2);
    expect(run('diff', oldFile, newFile, '--yaml').code).toBe(2);
    expect(run('diff', '--help').out).toMatch(/^usage: mini-mirror diff OLD\.json NEW\.json \[--json\] \[--fail-on-downgrade\]/);
    expect(run('diff', '--help').out).toMatch(/^ {2}3 {2}with --fail-on-downgrade: the new build went back in time/m);
  });

  test('real builds that only went forward: --fail-on-downgrade exits 0', () => {
    expect(run('diff', oldFile, newFile, '--fail-on-downgrade')).toMatchObject({ code: 0, err: '' });
  });
});

describe('mini-mirror diff: going back in time', () => {
  const upstream = (releaseDate: string, url = 'http://debian.mirror.example/debian') =>
    ({ prefix: 'debian', name: 'bookworm', url, distribution: 'bookworm', publishedAs: 'bookworm', world: 'bookworm', releaseDate });
  const pkg = (name: string, version: string, distribution = 'bookworm') =>
    ({ prefix: 'debian', distribution, component: 'main', name, version, architecture: 'amd64', size: 1, sha256: 'x', filename: `pool/${name}_${version}.deb` });
  const write = (name: string, manifest: object) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify(manifest));
    return file;
  };
  let before: string;
  beforeAll(() => {
    before = write('before.json', {
      buildIdentity: 'a'.repeat(64),
      builtAt: '2026-11-01T00:00:00Z',
      upstreams: [upstream('Sat, 10 Jun 2023 09:00:00 UTC', 'http://user:pw@debian.mirror.example/debian')],
      packages: [pkg('app', '1:1.1-1'), pkg('lib', '2.0'), pkg('tool', '1.0')],
    });
  });

  test('a lower version is marked [DOWNGRADE] in text and JSON, an older Release is listed; --fail-on-downgrade exits 3', () => {
    const after = write('after.json', {
      buildIdentity: 'b'.repeat(64),
      builtAt: '2026-11-02T00:00:00Z',
      upstreams: [upstream('Sat, 03 Jun 2023 09:00:00 UTC')],
      packages: [pkg('app', '1.9'), pkg('lib', '2.1'), pkg('tool', '1.0')],
    });
    const text = run('diff', before, after);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^changed \(2\):\n {2}bookworm {2}app amd64 {2}1:1\.1-1 -> 1\.9 {2}\[DOWNGRADE\]\n {2}bookworm {2}lib amd64 {2}2\.0 -> 2\.1$/m);
    expect(text.out).toMatch(/^upstream Releases older than in the old build \(1\):\n {2}debian\/bookworm {2}http:\/\/debian\.mirror\.example\/debian bookworm {2}Sat, 10 Jun 2023 09:00:00 UTC -> Sat, 03 Jun 2023 09:00:00 UTC {2}\[DOWNGRADE\]$/m);
    expect(text.out).toMatch(/^DOWNGRADES: 1 package went down, 1 upstream Release older than in the old build$/m);
    const json = JSON.parse(run('diff', before, after, '--json').out);
    expect(json.downgraded).toEqual([{ world: 'bookworm', name: 'app', architecture: 'amd64', oldVersions: ['1:1.1-1'], newVersions: ['1.9'], security: false, downgrade: true }]);
    expect(json.changed.find((c: any) => c.name === 'lib').downgrade).toBe(false);
    expect(json.olderReleases).toEqual([{ place: 'debian/bookworm', url: 'http://debian.mirror.example/debian', oldUrl: 'http://debian.mirror.example/debian', distribution: 'bookworm', oldDate: 'Sat, 10 Jun 2023 09:00:00 UTC', newDate: 'Sat, 03 Jun 2023 09:00:00 UTC' }]);
    const failing = run('diff', before, after, '--fail-on-downgrade');
    expect(failing.code).toBe(3);
    expect(failing.err).toBe('the new build went back in time: 1 package downgrade, 1 older upstream Release (--fail-on-downgrade)');
    expect(run('diff', before, after, '--json', '--fail-on-downgrade').code).toBe(3);
  });

  test('an older Release alone is enough for --fail-on-downgrade; a removed package is no downgrade', () => {
    const after = write('older-only.json', { upstreams: [upstream('Fri, 09 Jun 2023 09:00:00 UTC')], packages: [pkg('app', '1:1.1-1'), pkg('lib', '2.0')] });
    const r = run('diff', before, after, '--fail-on-downgrade');
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/^removed \(1\):\n {2}bookworm {2}tool amd64 {2}1\.0$/m);
    expect(r.out).toMatch(/^DOWNGRADES: 0 packages went down, 1 upstream Release older than in the old build$/m);
  });

  test('a newer Release, higher versions, another upstream URL: no downgrade', () => {
    const after = write('forward.json', {
      upstreams: [upstream('Sat, 17 Jun 2023 09:00:00 UTC', 'http://other.mirror.example/debian')],
      packages: [pkg('app', '1:1.2'), pkg('lib', '2.0'), pkg('tool', '1.0'), pkg('tool', '0.9', 'bookworm-backports')],
    });
    const r = run('diff', before, after, '--fail-on-downgrade');
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/DOWNGRADE/);
  });

  test('an older Release published at the same place from another mirror is a downgrade, naming both URLs', () => {
    const after = write('stale-mirror.json', {
      upstreams: [upstream('Sat, 03 Jun 2023 09:00:00 UTC', 'http://stale.mirror.example/debian')],
      packages: [pkg('app', '1:1.2'), pkg('lib', '2.0'), pkg('tool', '1.0')],
    });
    const r = run('diff', before, after, '--fail-on-downgrade');
    expect(r.code).toBe(3);
    expect(r.out).toContain('  debian/bookworm  http://stale.mirror.example/debian bookworm  Sat, 10 Jun 2023 09:00:00 UTC -> Sat, 03 Jun 2023 09:00:00 UTC  [DOWNGRADE]  (was http://debian.mirror.example/debian)');
  });
});
