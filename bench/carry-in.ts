/**
 * bench:carry — what copying build B into a registry that already holds build A moves.
 *
 *   npx projen bench:carry [-- --packages N --added K --min-kib A --max-kib B]
 *
 * A generated, signed upstream on 127.0.0.1 (test/support/carry-in.ts): A has N packages (default
 * 400) with .debs of A-B KiB of incompressible payload (default 20-200); B adds K (default 5) and
 * upgrades one, keeping A's pool for one generation (--previous-manifest). Each is built with
 * `mini-mirror build` and copied with `mini-mirror push` into Debian's docker-registry on
 * 127.0.0.1, through a proxy that counts the blobs skopeo uploads. Prints, for B: the bytes of the
 * layer blobs the registry did not hold (from the registry's manifests), the blobs uploaded, against
 * the size of B's new .debs and of B's whole image (what one layer of the whole tree moved before).
 * Needs the tools of the end-to-end tests; asserts nothing, exits non-zero when a step fails.
 */
import * as path from 'path';
import { mib } from './figures';
import { buildAndPush, carryFigures, registryLayers, startCarry } from '../test/support/carry-in';

function option(flag: string, fallback: number): number {
  const at = process.argv.indexOf(flag);
  const value = at < 0 ? fallback : Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} needs a whole number above 0`);
  return value;
}

async function main(): Promise<void> {
  const options = {
    packages: option('--packages', 400),
    added: option('--added', 5),
    payloadBytes: option('--min-kib', 20) * 1024,
    maxPayloadBytes: option('--max-kib', 200) * 1024,
  };
  const setup = await startCarry(options);
  try {
    const started = Date.now();
    const a = await buildAndPush(setup, 'a', 'build-a');
    const b = await buildAndPush(setup, 'b', 'build-b', '--previous-manifest', 'build-a/public/manifest.json');
    const host = setup.registry.host;
    const layersA = await registryLayers(setup.registry, `${host}/mini-mirror:${a.tag}`);
    const layersB = await registryLayers(setup.registry, `${host}/mini-mirror:${b.tag}`);
    const f = carryFigures(layersA, layersB, path.join(setup.dir, 'build-a', 'public'), path.join(setup.dir, 'build-b', 'public'));
    const totalA = layersA.reduce((n, l) => n + l.size, 0);
    console.log(`upstream: A ${options.packages} packages, B +${options.added} and 1 upgraded; .debs ${options.payloadBytes / 1024}-${options.maxPayloadBytes / 1024} KiB`);
    console.log(`A: ${layersA.length} layers, ${mib(totalA)}, ${a.uploads} blobs uploaded`);
    console.log(`B: ${f.layers} layers, ${mib(f.totalBytes)}; ${f.sharedLayers} already in the registry`);
    console.log(`B's new .debs: ${f.newDebs}, ${mib(f.newDebBytes)}`);
    console.log(`carried for B: ${mib(f.addedBytes)} in ${f.layers - f.sharedLayers} layers (${b.uploads} blobs uploaded with the config): `
      + `${(f.addedBytes / f.newDebBytes).toFixed(1)}x B's new .debs, ${((100 * f.addedBytes) / f.totalBytes).toFixed(1)}% of B's image`);
    console.log(`(${((Date.now() - started) / 1000).toFixed(0)}s for both builds and pushes)`);
  } finally {
    await setup.stop();
  }
}

main().catch(e => {
  console.error((e as Error).message);
  process.exit(1);
});
