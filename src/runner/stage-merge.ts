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

/** A source's published distribution, and its directory relative to the published tree. */
function topOf(source: SourceMirror): { dist: PublishedDist; rel: string } {
  const dist = { prefix: source.config.prefix, distribution: source.config.publishDistribution };
  return { dist, rel: path.posix.join(dist.prefix, 'dists', dist.distribution) };
}

export class StageMerge {
  private readonly tree: StagedTree;
  private readonly removals: Array<Promise<unknown>> = [];

  constructor(stage: string, private readonly finishRelease: ReleaseFinisher) {
    this.tree = new StagedTree(stage);
  }

  /**
   * A published world's sources into the stage, in the world's order (a conflict then names the
   * same two sources every run): each source's by-hash directories tidied, its tree merged while
   * its Release is rewritten and signed in place, then the files beside the Release (Release,
   * InRelease, Release.gpg), which the signing writes and the first merge therefore leaves out.
   */
  public async addWorld(sources: readonly SourceMirror[], log: BuildLog): Promise<void> {
    const parts = sources.map(s => ({ source: s, root: path.join(s.work, 'root', 'public'), top: topOf(s) }));
    const tidied = parts.map(p => tidyByHash(distDir(p.root, p.top.dist)));
    const signed = parts.map((p, i) => tidied[i].then(() => this.finishRelease(p.root, p.top.dist)));
    // Awaited below, in order; an earlier failure must not leave a later one unhandled.
    [...tidied, ...signed].forEach(p => p.catch(() => undefined));
    for (const [i, p] of parts.entries()) {
      await tidied[i];
      await log.time('merge', () => this.tree.merge(p.root, p.source.id, { only: rel => path.posix.dirname(rel) !== p.top.rel }));
    }
    for (const [i, p] of parts.entries()) {
      await signed[i];
      await this.tree.merge(p.root, p.source.id, { under: p.top.rel, only: rel => path.posix.dirname(rel) === p.top.rel });
    }
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
