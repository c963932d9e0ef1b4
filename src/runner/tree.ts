// Merging the sources' published trees into one staged tree: identical files may overlap (sources
// under one prefix share pool/), different ones may not. Hard links where possible.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { BuildError, pool } from './proc';

/** Every non-directory below `root`, its directories read in parallel. */
async function listTree(root: string, rel = ''): Promise<Array<{ rel: string; dirent: fs.Dirent }>> {
  const dirents = await fs.promises.readdir(path.join(root, rel), { withFileTypes: true });
  const nested = await Promise.all(dirents.map(async dirent => {
    const child = rel ? `${rel}/${dirent.name}` : dirent.name;
    return dirent.isDirectory() ? listTree(root, child) : [{ rel: child, dirent }];
  }));
  return nested.flat();
}

/** File operations of a merge in flight at once (each a libuv thread-pool round trip). */
const MERGE_CONCURRENCY = 32;

async function sha256(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Merges `src` into `stage`. `owners` records which source placed each file (merges of several
 * sources go one at a time, in the order their worlds finish), to name both sides of a conflict.
 */
export async function mergeTree(src: string, stage: string, label: string, owners: Map<string, string>): Promise<void> {
  const entries = await listTree(src);
  // Each directory made once (not once per file), then the files many at a time: a merge is
  // thousands of small file operations, which one after another leave the thread pool idle.
  const dirs = new Set(entries.map(e => path.posix.dirname(e.rel)).filter(d => d !== '.'));
  await Promise.all([...dirs].map(d => fs.promises.mkdir(path.join(stage, d), { recursive: true })));
  await pool(entries, MERGE_CONCURRENCY, e => mergeEntry({ src, stage, label, owners }, e));
}

/** One source's tree merged into the stage: where from, where to, the source's name, and who placed each file. */
interface TreeMerge {
  readonly src: string;
  readonly stage: string;
  readonly label: string;
  readonly owners: Map<string, string>;
}

async function mergeEntry(merge: TreeMerge, entry: { rel: string; dirent: fs.Dirent }): Promise<void> {
  const { src, stage, label, owners } = merge;
  const { rel, dirent } = entry;
  const from = path.join(src, rel);
  const to = path.join(stage, rel);
  let target: string | undefined;
  if (dirent.isSymbolicLink()) {
    // aptly writes by-hash links as absolute paths into its rootDir: make them relative.
    target = await fs.promises.readlink(from);
    if (path.isAbsolute(target)) target = path.relative(path.dirname(from), target);
  }
  const existing = await fs.promises.lstat(to).catch(() => undefined);
  if (existing) {
    const same = target !== undefined
      ? existing.isSymbolicLink() && await fs.promises.readlink(to) === target
      : existing.isFile() && await sameContent(from, to, existing.size);
    if (!same) {
      const both = [owners.get(rel) ?? 'an earlier source', label].sort().join(' and ');
      throw new BuildError(`conflicting file ${rel} from ${both}: give one of the sources another prefix`);
    }
    return;
  }
  if (target !== undefined) await fs.promises.symlink(target, to);
  else await fs.promises.link(from, to).catch(() => fs.promises.copyFile(from, to));
  owners.set(rel, label);
}

/** Whether two files hold the same bytes (the same inode, or same size and hash). */
async function sameContent(a: string, b: string, bSize: number): Promise<boolean> {
  const [aStat, bStat] = await Promise.all([fs.promises.stat(a), fs.promises.stat(b)]);
  if (aStat.ino === bStat.ino && aStat.dev === bStat.dev) return true;
  return aStat.size === bSize && await sha256(a) === await sha256(b);
}

/** Dangling symlinks of the staged tree (a by-hash link whose file went missing). */
export async function danglingLinks(stage: string): Promise<string[]> {
  const bad: string[] = [];
  for (const { rel, dirent } of await listTree(stage)) {
    if (dirent.isSymbolicLink() && !(await fs.promises.stat(path.join(stage, rel)).catch(() => undefined))) bad.push(rel);
  }
  return bad;
}
