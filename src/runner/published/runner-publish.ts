// Publishing a source whose packages the runner chose and verified (source-mirror.ts): its files
// hard-linked from the upstream cache into the published pool, its indexes and Release written
// (dist-writer.ts) where aptly would publish them; no aptly process, no second hashing of the files.
import * as fs from 'fs';
import * as path from 'path';
import { writeDist } from './dist-writer';
import { PublishedPackage } from './packages-file';
import { publishedPoolPath } from './pool-layout';
import { plural } from '../../util/plural';
import { Aptly } from '../aptly/aptly';
import { PublishedSource, publishedReleaseFields } from '../aptly/publish';
import { IndexEntry, totalSize } from '../deb/packages-index';
import { BuildLog, humanBytes } from '../log';
import { UpstreamCache } from '../net/fetcher';
import { HardLinks } from '../net/hard-links';
import { upstreamFilename } from '../net/verified-download';
import { BuildError, ChildProcesses } from '../proc';

/**
 * Whether the runner may write a source's indexes: not when its aptly config asks for what only
 * aptly writes (Contents indexes, `skipContentsPublishing: false`; source packages,
 * `downloadSourcePackages: true`).
 */
export function runnerCanIndex(aptlyConf: Readonly<Record<string, unknown>>): boolean {
  return aptlyConf.skipContentsPublishing !== false && aptlyConf.downloadSourcePackages !== true;
}

/** What the runner's publishing reads of a mirrored source (source-state.ts's SourceMirror is one). */
export interface IndexedSource extends Omit<PublishedSource, 'services' | 'state'> {
  readonly work: string;
  /** The upstream cache (the verified files), and aptly's config of the source (its skipBz2Publishing). */
  readonly services: { readonly cache: Pick<UpstreamCache, 'fileOf' | 'verified'>; readonly aptly: Pick<Aptly, 'config'> };
  readonly state: Pick<PublishedSource['state'], 'mirrors'> & { readonly mirrored: readonly IndexEntry[] };
}

export async function publishWithRunner(source: IndexedSource, publishArchs: readonly string[],
  tools: { log: BuildLog; procs: ChildProcesses }): Promise<void> {
  const { log, procs } = tools;
  const { config, id } = source;
  const root = path.join(source.work, 'root', 'public');
  const packages = await linkPool(source, path.join(root, config.prefix));
  const components = new Map<string, PublishedPackage[]>([...source.state.mirrors.keys()].map(c => [c, []]));
  for (const p of packages) components.get(p.entry.component)?.push(p);
  const fields = publishedReleaseFields(source);
  const skipBz2 = JSON.parse(await fs.promises.readFile(source.services.aptly.config, 'utf8')).skipBz2Publishing === true;
  const bzip2 = skipBz2 ? undefined : (files: readonly string[]) => compressBz2(files, procs, id);
  await writeDist(root, { prefix: config.prefix, distribution: config.publishDistribution, ...fields, archs: publishArchs, components, bzip2 });
  const bytes = totalSize(source.state.mirrored);
  log.step(`${id}: published ${config.prefix}/dists/${config.publishDistribution} (${[...components.keys()].join(', ')}): `
    + `${plural(source.state.mirrored.length, 'package')}, ${humanBytes(bytes)}`);
}

/** `<file>.bz2` next to each file, as aptly publishes them unless skipBz2Publishing: one bzip2 process. */
async function compressBz2(files: readonly string[], procs: ChildProcesses, id: string): Promise<void> {
  if (!files.length) return;
  const r = await procs.run('bzip2', ['-k', '-f', '-9', '--', ...files]);
  if (r.code !== 0) throw new BuildError(`${id}: bzip2 failed: ${r.stderr.trim() || `exit ${r.code}`}`);
}

/** Links every mirrored package's file into `<prefix>/pool`; two different files for one pool path fail the build. */
async function linkPool(source: IndexedSource, prefixDir: string): Promise<PublishedPackage[]> {
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
    const verified = source.services.cache.verified.get(from);
    if (!verified) throw new BuildError(`${id}: ${from} was not checked before publishing (a bug in the build runner)`);
    if (before === undefined) links.push([source.services.cache.fileOf(from)!, path.join(prefixDir, poolPath)]);
    byPath.set(poolPath, from);
    packages.push({ entry, poolPath, checksums: verified.checksums });
  }
  const placed = new HardLinks();
  await Promise.all(links.map(([file, target]) => placed.place(file, target)));
  return packages;
}
