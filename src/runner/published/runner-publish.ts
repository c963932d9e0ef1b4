// Publishing a source whose packages the runner chose and verified (source-mirror.ts): its files
// hard-linked from the upstream cache into the published pool, its indexes and Release written
// (dist-writer.ts) where aptly would publish them; no aptly process, no second hashing of the files.
import * as fs from 'fs';
import * as path from 'path';
import { writeDist } from './dist-writer';
import { PublishedPackage } from './packages-file';
import { publishedPoolPath, upstreamFilename } from './pool-layout';
import { publishedReleaseFields } from '../aptly/publish';
import { totalSize } from '../deb/packages-index';
import { BuildLog, humanBytes } from '../log';
import { BuildError } from '../proc';
import { SourceMirror } from '../source-state';
import { plural } from '../../util/plural';

/**
 * Whether the runner may write a source's indexes: not when its aptly config asks for what only
 * aptly writes (Contents indexes, `skipContentsPublishing: false`).
 */
export function runnerCanIndex(aptlyConf: Readonly<Record<string, unknown>>): boolean {
  return aptlyConf.skipContentsPublishing !== false;
}

export async function publishWithRunner(source: SourceMirror, publishArchs: readonly string[], log: BuildLog): Promise<void> {
  const { config, id } = source;
  const root = path.join(source.work, 'root', 'public');
  const packages = await linkPool(source, path.join(root, config.prefix));
  const components = new Map<string, PublishedPackage[]>([...source.state.mirrors.keys()].map(c => [c, []]));
  for (const p of packages) components.get(p.entry.component)?.push(p);
  await writeDist(root, { prefix: config.prefix, distribution: config.publishDistribution, ...publishedReleaseFields(source), archs: publishArchs, components });
  const bytes = totalSize(source.state.mirrored);
  log.step(`${id}: published ${config.prefix}/dists/${config.publishDistribution} (${[...components.keys()].join(', ')}): `
    + `${plural(source.state.mirrored.length, 'package')}, ${humanBytes(bytes)}`);
}

/** Links every mirrored package's file into `<prefix>/pool`; two different files for one pool path fail the build. */
async function linkPool(source: SourceMirror, prefixDir: string): Promise<PublishedPackage[]> {
  const { id } = source;
  const byPath = new Map<string, string>();
  const packages: PublishedPackage[] = [];
  const links: Array<[string, string]> = [];
  for (const entry of source.state.mirrored) {
    const poolPath = publishedPoolPath(entry, id);
    const from = upstreamFilename(entry, id);
    const before = byPath.get(poolPath);
    if (before !== undefined && before !== from) {
      throw new BuildError(`${id}: ${before} and ${from} upstream would both be published as ${poolPath}: the upstream index is inconsistent`);
    }
    if (before === undefined) links.push([source.services.cache.fileOf(from)!, path.join(prefixDir, poolPath)]);
    byPath.set(poolPath, from);
    packages.push({ entry, poolPath });
  }
  const dirs = new Map<string, Promise<unknown>>();
  await Promise.all(links.map(async ([file, target]) => {
    const dir = path.dirname(target);
    if (!dirs.has(dir)) dirs.set(dir, fs.promises.mkdir(dir, { recursive: true }));
    await dirs.get(dir);
    await fs.promises.link(file, target).catch(() => fs.promises.copyFile(file, target));
  }));
  return packages;
}
