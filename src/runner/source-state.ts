// A mirrored source, in three parts: the facts fixed once its Release and indexes are read, the
// tools its aptly work goes through, and what aptly holds of it, which the world closure grows.
import { Aptly } from './aptly/aptly';
import { SourceConfig } from './build-json-reader';
import { IndexEntry } from './deb/packages-index';
import { ReleaseInfo } from './deb/release-info';
import { BuildLog } from './log';
import { UpstreamCache } from './net/fetcher';
import { SubsetIndex } from './subset-index';
import { PublishedComponent } from './upstream/offer-checks';

/** What a source is upstream and what its packages.txt asks for: never changes after its first pass. */
export interface SourceFacts {
  readonly index: number;
  readonly config: SourceConfig;
  readonly id: string;
  readonly work: string;
  readonly release: ReleaseInfo;
  /** Architectures aptly downloads (`['all']` for an upstream of arch:all packages only). */
  readonly mirrorArchitectures: string[];
  readonly components: PublishedComponent[];
  /** Every upstream package of the mirrored components and architectures. */
  readonly upstream: IndexEntry[];
  readonly queries: string[];
}

/** The tools a source's aptly work goes through: its own aptly and cache, the build's log and retries. */
export interface SourceServices {
  readonly aptly: Aptly;
  readonly cache: UpstreamCache;
  /** The loopback URL aptly mirrors this source from. */
  readonly aptlyUrl: string;
  readonly retries: number;
  readonly log: BuildLog;
}

/** What aptly holds of a source; the world closure adds mirrors (and so packages) to it. */
export interface MirrorState {
  /** aptly mirrors by published component (several when the filter is split, plus the world closure's). */
  readonly mirrors: Map<string, string[]>;
  /** What aptly holds in each mirror, as `name version arch` keys. */
  readonly mirrorKeys: Map<string, string[]>;
  /** What aptly mirrored, as upstream entries. */
  mirrored: IndexEntry[];
  /** Entries matched by the queries themselves (the packages users asked for). */
  requested: IndexEntry[];
  /** The index served to aptly when the runner chose the packages (the world closure widens it). */
  readonly subset?: SubsetIndex;
  /**
   * Who writes the source's indexes: the runner, for packages it chose and verified itself
   * (published/; `mirrors` then holds no aptly mirror, only the components), else aptly.
   */
  readonly indexedBy: 'runner' | 'aptly';
}

export interface SourceMirror extends SourceFacts {
  readonly services: SourceServices;
  readonly state: MirrorState;
}
