// Sources' published trees into the stage, each as soon as its world is published: merges of
// several worlds run at once (StagedTree settles who placed a shared file), and a source's
// Release is dated and signed in its own tree while the rest of that tree is merged.
import * as fs from 'fs';
import * as path from 'path';
import { tidyByHash } from './aptly/by-hash';
import { BuildLog } from './log';
import { distDir, PublishedDist } from './release-writer';
import { SourceMirror } from './source-state';
import { StagedTree } from './tree';

/** Dates and signs the Release of `dist` below `root` (release-writer.ts's finishRelease with the build's date and key). */
export type ReleaseFinisher = (root: string, dist: PublishedDist) => Promise<void>;

export class StageMerge {
  private readonly tree: StagedTree;
  private readonly removals: Array<Promise<unknown>> = [];

  constructor(stage: string, private readonly finishRelease: ReleaseFinisher) {
    this.tree = new StagedTree(stage);
  }

  /**
   * A published source into the stage: its by-hash directories tidied, its tree merged while its
   * Release is rewritten and signed in place, then the files beside the Release (Release,
   * InRelease, Release.gpg), which the signing writes and the first merge therefore leaves out.
   */
  public async add(source: SourceMirror, log: BuildLog): Promise<void> {
    const root = path.join(source.work, 'root', 'public');
    const dist = { prefix: source.config.prefix, distribution: source.config.publishDistribution };
    await tidyByHash(distDir(root, dist));
    const top = path.posix.join(dist.prefix, 'dists', dist.distribution);
    const signed = (rel: string) => path.posix.dirname(rel) === top;
    await Promise.all([
      log.time('merge', () => this.tree.merge(root, source.id, rel => !signed(rel))),
      log.time('signing', () => this.finishRelease(root, dist)),
    ]);
    await this.tree.merge(root, source.id, signed);
  }

  /**
   * Removes merged sources' trees (their files are hard links of the staged ones) while other
   * worlds still build, rather than all at the end; nobody waits for it but the build's end.
   */
  public remove(sources: readonly SourceMirror[]): void {
    const removal = Promise.all(sources.map(s => fs.promises.rm(s.work, { recursive: true, force: true })));
    removal.catch(() => undefined);
    this.removals.push(removal);
  }

  /** Settles when every removal is done; rejects with the first that failed. */
  public removed(): Promise<unknown> {
    const all = Promise.all(this.removals);
    all.catch(() => undefined);
    return all;
  }
}
