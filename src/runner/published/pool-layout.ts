// Where a package file is published: aptly's pool layout (deb/package.go PoolDirectory), so that a
// tree the runner indexes and one aptly published put every file at the same path, and the pools
// of builds either way (keep-pool, rollback, carry-in) line up.
import * as path from 'path';
import { poolSourceName } from '../aptly/panics';
import { IndexEntry } from '../deb/packages-index';
import { upstreamFilename } from '../net/verified-download';
import { BuildError } from '../proc';

/** `pool/<component>/<l or libX>/<source>/<file>`: the package's published path below its prefix. */
export function publishedPoolPath(e: IndexEntry, id: string): string {
  const source = poolSourceName(e);
  if (source.length < 2 || !/^[A-Za-z0-9][A-Za-z0-9+._~-]*$/.test(source)) {
    throw new BuildError(`${id}: ${e.name} ${e.version} (${e.architecture}) names the source package "${source}", which cannot be a pool directory: `
      + 'leave it, and the queries that pull it in, out of packages.txt');
  }
  const file = path.posix.basename(upstreamFilename(e, id));
  const dir = source.startsWith('lib') ? source.slice(0, 4) : source.slice(0, 1);
  return path.posix.join('pool', e.component, dir, source, file);
}
