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
    expect(d.changed).toEqual([{ world: 'bookworm', name: 'libbase1', architecture: 'amd64', oldVersions: ['1.0'], newVersions: ['1.0', '1.0+deb12u1'], security: true }]);
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
    expect(run('diff', '--help').out).toMatch(/^usage: mini-mirror diff OLD\.json NEW\.json \[--json\]/);
  });
});
