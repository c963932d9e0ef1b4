// Generated test fixtures (signed archives) are built once per machine and reused: a directory
// under os.tmpdir() per content hash, complete only once its `complete` marker exists.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const CACHE_ROOT = path.join(os.tmpdir(), 'cdk8s-mini-mirror-fixtures');

/** `dir` as built before, or built now by `build` into a temp dir that is renamed into place. */
export async function buildOnce<T>(dir: string, build: (tmp: string) => Promise<void>, load: (dir: string) => Promise<T>): Promise<T> {
  if (fs.existsSync(path.join(dir, 'complete'))) return load(dir);
  await fs.promises.mkdir(CACHE_ROOT, { recursive: true });
  const tmp = await fs.promises.mkdtemp(`${dir}.tmp-`);
  try {
    await build(tmp);
    await fs.promises.writeFile(path.join(tmp, 'complete'), new Date().toISOString());
    try {
      await fs.promises.rename(tmp, dir);
    } catch (e) {
      // Another process built it first: use theirs.
      if (!fs.existsSync(path.join(dir, 'complete'))) throw e;
    }
  } finally {
    await fs.promises.rm(tmp, { recursive: true, force: true });
  }
  return load(dir);
}
