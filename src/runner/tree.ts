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

/** Who placed a staged file, and when that placing is done. */
interface Placed {
  readonly label: string;
  readonly done: Promise<void>;
}

/**
 * The staged tree that sources' published trees are merged into. Merges may run at once (each
 * world's as soon as it is published): the first to reach a path places it, and the others wait
 * for that and compare, so a conflict names both sources whatever the order.
 */
export class StagedTree {
  private readonly placed = new Map<string, Placed>();

  constructor(public readonly stage: string) {}

  /** The source that placed `rel` (a path relative to the stage). */
  public ownerOf(rel: string): string | undefined {
    return this.placed.get(rel)?.label;
  }

  /** Merges `src` (what is `under` a directory of it, of that what `only` accepts; default all) into the stage, in the name of `label`. */
  public async merge(src: string, label: string, pick: { under?: string; only?: (rel: string) => boolean } = {}): Promise<void> {
    const only = pick.only ?? (() => true);
    const entries = (await listTree(src, pick.under)).filter(e => only(e.rel));
    // Each directory made once (not once per file), then the files many at a time: a merge is
    // thousands of small file operations, which one after another leave the thread pool idle.
    const dirs = new Set(entries.map(e => path.posix.dirname(e.rel)).filter(d => d !== '.'));
    await Promise.all([...dirs].map(d => fs.promises.mkdir(path.join(this.stage, d), { recursive: true })));
    await pool(entries, MERGE_CONCURRENCY, e => this.mergeEntry(src, label, e));
  }

  private async mergeEntry(src: string, label: string, entry: { rel: string; dirent: fs.Dirent }): Promise<void> {
    const { rel, dirent } = entry;
    const from = path.join(src, rel);
    const to = path.join(this.stage, rel);
    const claim = this.placed.get(rel);
    if (!claim) {
      // Claimed before the first await: a merge running at once finds the claim and waits.
      // A file there already (not placed by this merge): the same rule as a claimed one.
      const done = place(from, to, dirent.isSymbolicLink())
        .then(placedHere => placedHere ? undefined : this.mustMatch({ from, to, rel, label, isLink: dirent.isSymbolicLink() }));
      this.placed.set(rel, { label, done });
      return done;
    }
    // The first merge's own failure (a full disk, say) is the error, not a "conflict" with what it left.
    await claim.done;
    await this.mustMatch({ from, to, rel, label, isLink: dirent.isSymbolicLink() });
  }

  /** Fails unless the staged `to` is what `from` would have placed. */
  private async mustMatch(m: { from: string; to: string; rel: string; label: string; isLink: boolean }): Promise<void> {
    const existing = await fs.promises.lstat(m.to).catch(() => undefined);
    const same = m.isLink
      ? !!existing?.isSymbolicLink() && await fs.promises.readlink(m.to) === await linkTarget(m.from)
      : !!existing?.isFile() && await sameContent(m.from, m.to, existing.size);
    if (!same) {
      const owner = this.placed.get(m.rel)?.label;
      const both = [owner !== undefined && owner !== m.label ? owner : 'an earlier source', m.label].sort().join(' and ');
      throw new BuildError(`conflicting file ${m.rel} from ${both}: give one of the sources another prefix`);
    }
  }
}

/** aptly writes by-hash links as absolute paths into its rootDir: staged, they are relative. */
async function linkTarget(from: string): Promise<string> {
  const target = await fs.promises.readlink(from);
  return path.isAbsolute(target) ? path.relative(path.dirname(from), target) : target;
}

/** Places `from` at `to` (a hard link, else a copy; a link as a relative link); false when `to` exists already. */
async function place(from: string, to: string, isLink: boolean): Promise<boolean> {
  const exists = (e: NodeJS.ErrnoException) => {
    if (e.code === 'EEXIST') return false;
    throw e;
  };
  if (isLink) return fs.promises.symlink(await linkTarget(from), to).then(() => true, exists);
  return fs.promises.link(from, to).then(() => true, (e: NodeJS.ErrnoException) => e.code === 'EEXIST'
    ? false : fs.promises.copyFile(from, to, fs.constants.COPYFILE_EXCL).then(() => true, exists));
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
