/**
 * Contents indexes (file lists for apt-file) are off by default: aptly would read every package
 * to list its files, most of a publish's time. A source whose aptly config says
 * `skipContentsPublishing: false` gets them, listed in its signed Release.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import type { WorldSpec } from '../support/archive-builder';
import { FakeWorld, FakeWorldHandle } from '../support/fake-world';
import { BuildResult, removeBuild, runBuild } from '../support/run-build';
import { GeneratedKey, generateSigningKey } from '../support/signing-key';

const WORLD: WorldSpec = {
  archives: [{
    kind: 'dists',
    path: 'debian',
    distributions: ['bookworm', 'bookworm-updates'].map(name => ({
      name,
      origin: 'Debian',
      label: 'Debian',
      suite: name,
      codename: name,
      architectures: ['all', 'amd64'],
      components: { main: [{ name: `tool-${name}`, version: '1.0', architecture: 'amd64' }] },
    })),
  }],
};

let world: FakeWorldHandle;
let key: GeneratedKey;
let r: BuildResult;

beforeAll(async () => {
  [world, key] = await Promise.all([FakeWorld.start(WORLD), generateSigningKey({ userId: 'Contents Mirror <mirror@example.com>' })]);
  const common = { prefix: 'debian', url: world.archives.debian.url, keyUrl: world.keys.archive.url, components: ['main'], world: 'bookworm' };
  r = await runBuild({
    signing: { mode: 'key', privateKey: key.privateKey, publicKey: key.publicKey, fingerprint: key.fingerprint },
    defaultAptlyConf: 'product',
    sources: [
      { ...common, name: 'bookworm', distribution: 'bookworm', packages: ['tool-bookworm'] },
      { ...common, name: 'bookworm-updates', distribution: 'bookworm-updates', packages: ['tool-bookworm-updates'], aptlyConf: { skipContentsPublishing: false } },
    ],
  });
  if (r.exitCode !== 0) throw new Error(`build failed (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
}, 300_000);

afterAll(async () => {
  if (r) await removeBuild(r.rootDir);
  await world?.stop();
});

/** Files under a published distribution whose name starts with Contents. */
function contentsFiles(dist: string): string[] {
  const dir = path.join(r.publicDir, 'debian', 'dists', dist);
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.startsWith('Contents')) found.push(path.relative(dir, path.join(d, e.name)));
    }
  };
  walk(dir);
  return found;
}

const release = (dist: string) => fs.readFileSync(path.join(r.publicDir, 'debian', 'dists', dist, 'InRelease'), 'utf8');

test('a node mirror publishes no Contents indexes by default', () => {
  expect(fs.existsSync(path.join(r.publicDir, 'debian/dists/bookworm/main/binary-amd64/Packages'))).toBe(true);
  expect(contentsFiles('bookworm')).toEqual([]);
  expect(release('bookworm')).not.toMatch(/Contents/);
});

test('skipContentsPublishing: false publishes them, listed in the signed Release', () => {
  const files = contentsFiles('bookworm-updates');
  expect(files).toContain('main/Contents-amd64.gz');
  const text = zlib.gunzipSync(fs.readFileSync(path.join(r.publicDir, 'debian/dists/bookworm-updates/main/Contents-amd64.gz'))).toString('utf8');
  expect(text).toMatch(/tool-bookworm-updates/);
  expect(release('bookworm-updates')).toMatch(/ main\/Contents-amd64\.gz$/m);
});
