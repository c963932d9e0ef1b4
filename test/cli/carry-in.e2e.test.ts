/**
 * Incremental carry-in: `mini-mirror build` A (140 packages), `mini-mirror push` into Debian's
 * docker-registry on 127.0.0.1 (through a counting proxy), then B (A plus 3 packages spread over
 * the alphabet and one upgraded, keeping A's pool for one generation) and push. Pool files sit in
 * 64 buckets by path: B reuses every pool layer of A whose bucket got no new file, skopeo uploads
 * only B's new layers and its config, and the bytes they hold are bounded by B's new .debs and the
 * files sharing their buckets. B's image, all layers unpacked, is B's tree.
 */
import * as path from 'path';
import { buildAndPush, carryFigures, CarrySetup, Layer, layoutLayers, poolFiles, registryLayers, startCarry } from '../support/carry-in';
import { registryToolsMissing } from '../support/registry';
import { runChecked } from '../support/run-build';

const OPTIONS = { packages: 140, added: 3, payloadBytes: 8 * 1024 };
const missing = registryToolsMissing();
const maybe = missing.length ? test.skip : test;
if (missing.length) process.stdout.write(`SKIPPED carry-in test: ${missing.join(', ')} missing (scripts/install-test-tools.sh)\n`);

let setup: CarrySetup;

beforeAll(async () => {
  if (!missing.length) setup = await startCarry(OPTIONS);
}, 180_000);

afterAll(async () => {
  await setup?.stop();
});

const isPool = (f: string) => f.split('/').includes('pool');

/**
 * How A's pool layers fare in B when B only adds files: each either is in B (the same digest), or
 * B has a layer with its files plus some of the added ones; and each of B's new pool layers is one
 * of A's with added files, or added files only. Returns the problems, none when that held.
 */
function sharingProblems(poolA: Layer[], poolB: Layer[], added: string[]): string[] {
  const inB = new Set(poolB.map(l => l.digest));
  const inA = new Set(poolA.map(l => l.digest));
  const isAdded = new Set(added);
  const key = (files: string[]) => files.filter(f => !isAdded.has(f)).join('\n');
  const problems: string[] = [];
  for (const layer of poolA.filter(l => !inB.has(l.digest))) {
    const grown = poolB.find(l => key(l.files) === layer.files.join('\n'));
    if (!grown || grown.files.length === layer.files.length) problems.push(`A's layer with ${layer.files[0]} is not in B, and B has no layer of its files plus added ones`);
  }
  const keysA = new Set(poolA.map(l => l.files.join('\n')));
  for (const layer of poolB.filter(l => !inA.has(l.digest))) {
    if (key(layer.files) !== '' && !keysA.has(key(layer.files))) problems.push(`B's new layer with ${layer.files[0]} is neither added files nor one of A's layers with added files`);
  }
  return problems;
}

maybe('B after A: only the pool buckets B\'s new files fall into and the top layer are new, and only they are uploaded', async () => {
  const { dir, registry } = setup;
  const a = await buildAndPush(setup, 'a', 'build-a');
  const b = await buildAndPush(setup, 'b', 'build-b', '--previous-manifest', 'build-a/public/manifest.json');
  const layersA = layoutLayers(path.join(dir, 'build-a', 'oci'), a.tag);
  const layersB = layoutLayers(path.join(dir, 'build-b', 'oci'), b.tag);
  // The registry holds what the layouts hold.
  const regA = await registryLayers(registry, `${registry.host}/mini-mirror:${a.tag}`);
  const regB = await registryLayers(registry, `${registry.host}/mini-mirror:${b.tag}`);
  expect(regA.map(l => l.digest)).toEqual(layersA.map(l => l.digest));
  expect(regB.map(l => l.digest)).toEqual(layersB.map(l => l.digest));

  // Pool layers first, each only pool files (sorted), together the tree's; the top layer has none.
  const treeA = path.join(dir, 'build-a', 'public');
  const treeB = path.join(dir, 'build-b', 'public');
  for (const [layers, tree] of [[layersA, treeA], [layersB, treeB]] as const) {
    const top = layers[layers.length - 1];
    expect(top.files).toContain('srv/mirror/manifest.json');
    expect(top.files.filter(isPool)).toEqual([]);
    for (const l of layers.slice(0, -1)) expect(l.files).toEqual([...l.files].sort());
    const pooled = layers.slice(0, -1).flatMap(l => l.files);
    expect(pooled.sort()).toEqual([...poolFiles(tree).keys()].map(f => `srv/mirror/${f}`).sort());
  }
  const poolLayersA = layersA.slice(0, -1);
  const poolLayersB = layersB.slice(0, -1);
  expect(poolLayersA.length).toBeGreaterThan(48); // 140 files in 64 buckets
  const added = [...poolFiles(treeB).keys()].filter(f => !poolFiles(treeA).has(f)).map(f => `srv/mirror/${f}`).sort();
  expect(added.length).toBe(4); // 3 new packages and the upgrade; A's pool is kept

  expect(sharingProblems(poolLayersA, poolLayersB, added)).toEqual([]);
  // each added file changes the one layer of its bucket, no other
  const inB = new Set(layersB.map(l => l.digest));
  const changedA = poolLayersA.filter(l => !inB.has(l.digest));
  const inA = new Set(layersA.map(l => l.digest));
  const newLayers = layersB.filter(l => !inA.has(l.digest));
  const topB = layersB[layersB.length - 1];
  expect(newLayers[newLayers.length - 1].digest).toBe(topB.digest);
  expect(changedA.length).toBeLessThanOrEqual(added.length);
  expect(newLayers.length - 1).toBeLessThanOrEqual(added.length);

  // skopeo uploaded B's new layers and its config, nothing of what A's push left in the registry.
  expect(a.uploads).toBe(layersA.length + 1);
  expect(b.uploads).toBe(newLayers.length + 1);

  // The bytes: B's new .debs, the files that share their buckets, and the small top layer.
  const figures = carryFigures(regA, regB, treeA, treeB);
  expect(figures.newDebs).toBe(added.length);
  const neighbours = changedA.reduce((n, l) => n + l.size, 0);
  process.stdout.write(`carry-in: B adds ${figures.addedBytes} of ${figures.totalBytes} bytes (${newLayers.length} of ${layersB.length} layers: `
    + `${newLayers.map(l => `${l.files.length} files ${l.size}`).join(', ')}); new .debs ${figures.newDebBytes} bytes\n`);
  expect(figures.addedBytes).toBeLessThanOrEqual(figures.newDebBytes + neighbours + topB.size + 2048 * newLayers.length);
  expect(figures.addedBytes).toBeLessThan(figures.totalBytes / 4);

  // B's image, all its layers unpacked (as rollback-image.ts unpacks one), is B's whole tree.
  const rootfs = path.join(dir, 'rootfs');
  await runChecked('umoci', ['raw', 'unpack', '--rootless', '--image', `${path.join(dir, 'build-b', 'oci')}:${b.tag}`, rootfs]);
  await runChecked('diff', ['-r', '--no-dereference', treeB, path.join(rootfs, 'srv', 'mirror')]);
}, 1_200_000);
