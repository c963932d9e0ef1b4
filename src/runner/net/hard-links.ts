// Files placed by hard link (sharing the cache's blocks: no space, gone with the workspace; a copy
// where the filesystem cannot link), each target directory made once however many files go there.
import * as fs from 'fs';
import * as path from 'path';

export class HardLinks {
  private readonly dirs = new Map<string, Promise<unknown>>();

  /** Places `from` at `to`, making `to`'s directory first. */
  public async place(from: string, to: string): Promise<void> {
    const dir = path.dirname(to);
    if (!this.dirs.has(dir)) this.dirs.set(dir, fs.promises.mkdir(dir, { recursive: true }));
    await this.dirs.get(dir);
    await fs.promises.link(from, to).catch(() => fs.promises.copyFile(from, to));
  }
}
