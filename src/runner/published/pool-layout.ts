// Where a package file is published: aptly's pool layout (deb/package.go PoolDirectory), so that a
// tree the runner indexes and one aptly published put every file at the same path, and the pools
// of builds either way (keep-pool, rollback, carry-in) line up.
import * as path from 'path';
import { poolSourceName } from '../aptly/panics';
import { fieldOf, IndexEntry } from '../deb/packages-index';
import { BuildError } from '../proc';

/** `pool/<component>/<l or libX>/<source>/<file>`: the package's published path below its prefix. */
export function publishedPoolPath(e: IndexEntry, id: string): string {
  const source = poolSourceName(e);
  if (source.length < 2 || !/^[A-Za-z0-9][A-Za-z0-9+._~-]*$/.test(source)) {
    throw new BuildError(`${id}: ${e.name} ${e.version} (${e.architecture}) names the source package "${source}", which cannot be a pool directory: `
      + 'leave it, and the queries that pull it in, out of packages.txt');
  }
  const file = path.posix.basename(upstreamFilename(e, id));
  if (file.startsWith('.')) throw new BuildError(`${id}: ${e.name} ${e.version} (${e.architecture}): upstream's Filename ${JSON.stringify(file)} is no package file name`);
  const dir = source.startsWith('lib') ? source.slice(0, 4) : source.slice(0, 1);
  return path.posix.join('pool', e.component, dir, source, file);
}

/** The upstream path of the package's file (its stanza's Filename). */
export function upstreamFilename(e: IndexEntry, id: string): string {
  const filename = fieldOf(e.stanza, 'Filename');
  if (!filename || filename.endsWith('/') || /[\s\\]/.test(filename)) {
    throw new BuildError(`${id}: ${e.name} ${e.version} (${e.architecture}) has no usable Filename in upstream's Packages index (${JSON.stringify(filename ?? '')})`);
  }
  return filename;
}
