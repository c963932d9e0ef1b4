/**
 * The build's own count of what a query matches: a query that the synth-time guard accepts by
 * its form (`Priority (standard)` is small in Debian) but that matches most of a hostile or
 * unusual upstream fails the build before any package download, naming the query and the count,
 * and publishes nothing; `allowBroadQueries` lets the same build through.
 */
import * as fs from 'fs';
import { PackageSpec } from '../support/archive-builder';
import { FakeWorld, FakeWorldHandle } from '../support/fake-world';
import { BuildResult, BuildSourceSpec, removeBuild, runBuild } from '../support/run-build';
import { GeneratedKey, generateSigningKey } from '../support/signing-key';

let mirrorKey: GeneratedKey;
let world: FakeWorldHandle;
const buildDirs: string[] = [];

// 260 packages, 250 of them `Priority: standard`: more than 200 and more than 20% of the index.
const PACKAGES: PackageSpec[] = Array.from({ length: 260 }, (_, i) => ({
  name: `std-${String(i).padStart(3, '0')}`, version: '1.0', priority: i < 250 ? 'standard' : 'optional',
}));

beforeAll(async () => {
  mirrorKey = await generateSigningKey({ userId: 'Broad Mirror <mirror@example.com>' });
  world = await FakeWorld.start({
    archives: [{ kind: 'dists', path: 'wide', distributions: [{ name: 'stable', architectures: ['all', 'amd64'], components: { main: PACKAGES } }] }],
  });
}, 240_000);

afterAll(async () => {
  await world?.stop();
  for (const dir of buildDirs) await removeBuild(dir);
});

async function build(source: Partial<BuildSourceSpec>): Promise<BuildResult> {
  const archive = world.archives.wide;
  const r = await runBuild({
    signing: { mode: 'key', privateKey: mirrorKey.privateKey, publicKey: mirrorKey.publicKey, fingerprint: mirrorKey.fingerprint },
    defaultAptlyConf: {},
    sources: [{
      prefix: 'wide',
      name: 'stable',
      url: archive.url,
      keyUrl: archive.keyUrl,
      fingerprints: [archive.fingerprint],
      distribution: 'stable',
      components: ['main'],
      packages: ['Priority (standard)'],
      ...source,
    }],
  });
  buildDirs.push(r.rootDir);
  return r;
}

test('a query that matches 250 of 260 upstream packages fails before downloading, naming the query and the count', async () => {
  const r = await build({});
  const output = `${r.stdout}\n${r.stderr}`;
  expect(r.exitCode).not.toBe(0);
  expect(output).toMatch(/query "Priority \(standard\)" in wide\/stable\/packages\.txt matches 250 of the 260 packages upstream \(more than 200\)/);
  expect(output).toMatch(/--allow-broad-queries wide\/stable/);
  expect(fs.existsSync(r.publicDir)).toBe(false);
  // nothing of the pool was fetched: the guard runs on the indexes
  expect(world.requests.filter(p => p.includes('/pool/'))).toEqual([]);
}, 300_000);

test('allowBroadQueries lets the same query through', async () => {
  const r = await build({ allowBroadQueries: true });
  if (r.exitCode !== 0) throw new Error(`build failed (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  expect(fs.existsSync(r.publicDir)).toBe(true);
}, 300_000);
