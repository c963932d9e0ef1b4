/**
 * Incremental carry-in: `mini-mirror build` A (120 packages), `mini-mirror push` into Debian's
 * docker-registry on 127.0.0.1 (through a counting proxy), then B (A plus 3 packages spread over
 * the alphabet and one upgraded, keeping A's pool for one generation) and push. B's image reuses every pool layer of A
 * whose files did not change (content-defined groups: only the groups a new file falls into
 * change), skopeo uploads only B's new layers and its config, and the bytes they hold are bounded
 * by B's new .debs and the groups they fall into. B's image, all layers unpacked, is B's tree.
 */
import * as path from 'path';
import { buildAndPush, carryFigures, CarrySetup, Layer, layoutLayers, poolFiles, registryLayers, startCarry } from '../support/carry-in';
import { registryToolsMissing } from '../support/registry';
import { runChecked } from '../support/run-build';

const OPTIONS = { packages: 120, added: 3, payloadBytes: 16 * 1024 };
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
 * How A's pool layers fare in B when B only adds files. A group is the run of sorted files after
 * the previous group's last file up to its own last file (the last group: to the end). A group no
 * added file falls into must come out the same bytes. A group one does fall into changes, unless
 * the added files all sort before its first file and each ended a group of its own in B (then the
 * group itself is untouched). Returns the problems, none when the layering held to that.
 */
function sharingProblems(poolA: Layer[], layersB: Layer[], added: string[]): string[] {
  const inB = new Set(layersB.map(l => l.digest));
  const endsOwnGroup = (f: string) => layersB.some(l => l.files[l.files.length - 1] === f && l.files.every(g => added.includes(g)));
  const problems: string[] = [];
  poolA.forEach((layer, i) => {
    const after = i === 0 ? '' : poolA[i - 1].files[poolA[i - 1].files.length - 1];
    const upTo = i === poolA.length - 1 ? undefined : layer.files[layer.files.length - 1];
    const fell = added.filter(f => f > after && (upTo === undefined || f <= upTo));
    const shared = inB.has(layer.digest);
    if (!fell.length && !shared) problems.push(`A's layer ${i + 1} (${layer.files[0]}...) has no new file but is not in B`);
    if (fell.length && shared && !fell.every(f => f < layer.files[0] && endsOwnGroup(f))) problems.push(`A's layer ${i + 1} is in B though ${fell.join(', ')} fell into it`);
  });
  return problems;
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
  expect(poolLayersA.length).toBeGreaterThan(10); // 120 files of 16 KiB in groups of about 64 KiB
  const treeA = path.join(dir, 'build-a', 'public');
  const treeB = path.join(dir, 'build-b', 'public');
  const added = [...poolFiles(treeB).keys()].filter(f => !poolFiles(treeA).has(f)).map(f => `srv/mirror/${f}`).sort();
  expect(added.length).toBe(4); // 3 new packages and the upgrade; A's pool is kept

  expect(sharingProblems(poolLayersA, layersB, added)).toEqual([]);
  const inB = new Set(layersB.map(l => l.digest));
  const changedA = poolLayersA.filter(l => !inB.has(l.digest));
  // each added file changes at most the one group of A it falls into (splitting it in two at most)
  expect(changedA.length).toBeLessThanOrEqual(added.length);

  // B's new layers hold only the added files and the files of A's groups they fell into.
  const inA = new Set(layersA.map(l => l.digest));
  const newLayers = layersB.filter(l => !inA.has(l.digest));
  const allowed = new Set([...added, ...changedA.flatMap(l => l.files)]);
  expect(newLayers.slice(0, -1).flatMap(l => l.files).filter(f => !allowed.has(f))).toEqual([]);
  expect(newLayers[newLayers.length - 1].digest).toBe(topB.digest);
  expect(newLayers.length - 1).toBeLessThanOrEqual(2 * added.length);

  // skopeo uploaded B's new layers and its config, nothing of what A's push left in the registry.
  expect(a.uploads).toBe(layersA.length + 1);
  expect(b.uploads).toBe(newLayers.length + 1);

  // The bytes: B's new .debs, their neighbours in the groups they fell into, and the small top layer.
  // A file falls into a large group more often than into a small one, so with about 30 groups
  // here 4 changes carry about a quarter of the image (bench:carry measures a larger mirror).
  const figures = carryFigures(regA, regB, treeA, treeB);
  expect(figures.newDebs).toBe(added.length);
  const neighbours = changedA.reduce((n, l) => n + l.size, 0);
  process.stdout.write(`carry-in: B adds ${figures.addedBytes} of ${figures.totalBytes} bytes (${newLayers.length} of ${layersB.length} layers: `
    + `${newLayers.map(l => `${l.files.length} files ${l.size}`).join(', ')}); new .debs ${figures.newDebBytes} bytes\n`);
  expect(figures.addedBytes).toBeLessThanOrEqual(figures.newDebBytes + neighbours + topB.size + 2048 * newLayers.length);
  expect(figures.addedBytes).toBeLessThan(figures.totalBytes / 2);

  // B's image, all its layers unpacked (as rollback-image.ts unpacks one), is B's whole tree.
  const rootfs = path.join(dir, 'rootfs');
  await runChecked('umoci', ['raw', 'unpack', '--rootless', '--image', `${path.join(dir, 'build-b', 'oci')}:${b.tag}`, rootfs]);
  await runChecked('diff', ['-r', '--no-dereference', treeB, path.join(rootfs, 'srv', 'mirror')]);
}, 1_200_000);
