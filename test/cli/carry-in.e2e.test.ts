/**
 * Incremental carry-in: `mini-mirror build` A (120 packages), `mini-mirror push` into Debian's
 * docker-registry on 127.0.0.1 (through a counting proxy), then B (A plus 3 packages and one
 * upgraded, keeping A's pool for one generation) and push. B's image reuses every pool layer of A
 * whose files did not change (content-defined groups: only the groups a new file falls into
 * change), skopeo uploads only B's new layers and its config, and the bytes they hold are bounded
 * by B's new .debs and the groups they fall into. B's image, all layers unpacked, is B's tree.
 */
import * as path from 'path';
import { buildAndPush, carryFigures, CarrySetup, Layer, layoutLayers, poolFiles, registryLayers, startCarry } from '../support/carry-in';
import { registryToolsMissing } from '../support/registry';
import { runChecked } from '../support/run-build';

const OPTIONS = { packages: 120, added: 3, payloadBytes: 8192 };
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
 * Which of A's pool layers B can share: a group is the run of sorted files after the previous
 * group's last file up to its own last file (the last group: to the end); when B only adds files,
 * a group stays the same bytes exactly when no added file falls into its run.
 */
function predictShared(poolA: Layer[], added: string[]): Set<string> {
  const shared = new Set<string>();
  poolA.forEach((layer, i) => {
    const after = i === 0 ? '' : poolA[i - 1].files[poolA[i - 1].files.length - 1];
    const upTo = i === poolA.length - 1 ? undefined : layer.files[layer.files.length - 1];
    if (!added.some(f => f > after && (upTo === undefined || f <= upTo))) shared.add(layer.digest);
  });
  return shared;
}

maybe('B after A: only the pool groups holding B\'s new files and the top layer are new, and only they are uploaded', async () => {
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

  // Pool layers first, each only pool files, sorted across layers; the top layer has none.
  const poolLayersA = layersA.slice(0, -1);
  const topB = layersB[layersB.length - 1];
  for (const layers of [layersA, layersB]) {
    const top = layers[layers.length - 1];
    expect(top.files).toContain('srv/mirror/manifest.json');
    expect(top.files.filter(isPool)).toEqual([]);
    const pooled = layers.slice(0, -1).flatMap(l => l.files);
    expect(pooled.every(isPool)).toBe(true);
    expect(pooled).toEqual([...pooled].sort());
  }
  expect(poolLayersA.length).toBeGreaterThan(10); // 120 files in groups of about 4
  const treeA = path.join(dir, 'build-a', 'public');
  const treeB = path.join(dir, 'build-b', 'public');
  const added = [...poolFiles(treeB).keys()].filter(f => !poolFiles(treeA).has(f)).map(f => `srv/mirror/${f}`).sort();
  expect(added.length).toBe(4); // 3 new packages and the upgrade; A's pool is kept

  const inB = new Set(layersB.map(l => l.digest));
  const predicted = predictShared(poolLayersA, added);
  expect(poolLayersA.filter(l => inB.has(l.digest)).map(l => l.digest)).toEqual(poolLayersA.filter(l => predicted.has(l.digest)).map(l => l.digest));
  expect(predicted.size).toBeGreaterThanOrEqual(poolLayersA.length - 2 * added.length);

  // B's new layers hold only the added files and the files of A's groups they fell into.
  const inA = new Set(layersA.map(l => l.digest));
  const newLayers = layersB.filter(l => !inA.has(l.digest));
  const changedA = poolLayersA.filter(l => !predicted.has(l.digest));
  const allowed = new Set([...added, ...changedA.flatMap(l => l.files)]);
  expect(newLayers.slice(0, -1).flatMap(l => l.files).filter(f => !allowed.has(f))).toEqual([]);
  expect(newLayers[newLayers.length - 1].digest).toBe(topB.digest);

  // skopeo uploaded B's new layers and its config, nothing of what A's push left in the registry.
  expect(a.uploads).toBe(layersA.length + 1);
  expect(b.uploads).toBe(newLayers.length + 1);

  // The bytes: B's new .debs, the neighbours in their groups, and the small top layer; far from B's whole image.
  const figures = carryFigures(regA, regB, treeA, treeB);
  expect(figures.newDebs).toBe(added.length);
  const neighbours = changedA.reduce((n, l) => n + l.size, 0);
  expect(figures.addedBytes).toBeLessThanOrEqual(figures.newDebBytes + neighbours + topB.size + 2048 * newLayers.length);
  expect(figures.addedBytes).toBeLessThan(figures.totalBytes / 4);
  process.stdout.write(`carry-in: B adds ${figures.addedBytes} of ${figures.totalBytes} bytes (${newLayers.length} of ${layersB.length} layers); new .debs ${figures.newDebBytes} bytes\n`);

  // B's image, all its layers unpacked (as rollback-image.ts unpacks one), is B's whole tree.
  const rootfs = path.join(dir, 'rootfs');
  await runChecked('umoci', ['raw', 'unpack', '--rootless', '--image', `${path.join(dir, 'build-b', 'oci')}:${b.tag}`, rootfs]);
  await runChecked('diff', ['-r', '--no-dereference', treeB, path.join(rootfs, 'srv', 'mirror')]);
}, 1_200_000);
