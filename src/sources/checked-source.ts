import type { AptlyConfig } from './aptly-config';
import type { MirrorSourceProps } from './mirror-source';
import type { PackageList } from './package-list';
import type { SourceFields } from './source-checks';

/** What a mirror decides for a source: its world and architectures (see `MirrorSource._resolved`). */
export type SourceDecisions = Pick<SourceFields, 'world' | 'architectures' | 'publishDistribution'>;

/**
 * Source props that passed every check, with the queries parsed. Made by `checkSourceFields`
 * (or from another `CheckedSource`); `MirrorSource` takes them as they are, without checking
 * them again.
 */
export class CheckedSource implements MirrorSourceProps {
  public readonly prefix: string;
  public readonly name: string;
  public readonly url: string;
  public readonly keyUrl: string;
  public readonly keyFingerprints: string[];
  public readonly distribution: string;
  public readonly components: string[];
  public readonly publishDistribution?: string;
  public readonly world?: string;
  public readonly architectures: string[];
  public readonly aptlyConfig?: AptlyConfig;
  public readonly origin?: string;
  public readonly label?: string;
  public readonly suite?: string;
  public readonly insecureSkipUpstreamVerification?: boolean;
  public readonly allowMissingDependencies?: boolean;
  public readonly allowBroadQueries?: boolean;
  /** the normalized queries */
  public readonly packageList: PackageList;
  /** whether a mirror has decided world and architectures (see `with`) */
  public readonly decided: boolean;

  /** Only for fields `checkSourceFields` found valid, with the queries it normalized. */
  public constructor(fields: Omit<SourceFields, 'packages'>, packageList: PackageList, decided: boolean = false) {
    this.prefix = fields.prefix;
    this.name = fields.name;
    this.url = fields.url;
    this.keyUrl = fields.keyUrl;
    this.keyFingerprints = fields.keyFingerprints;
    this.distribution = fields.distribution;
    this.components = fields.components;
    this.publishDistribution = fields.publishDistribution;
    this.world = fields.world;
    this.architectures = fields.architectures;
    this.aptlyConfig = fields.aptlyConfig;
    this.origin = fields.origin;
    this.label = fields.label;
    this.suite = fields.suite;
    this.insecureSkipUpstreamVerification = fields.insecureSkipUpstreamVerification;
    this.allowMissingDependencies = fields.allowMissingDependencies;
    this.allowBroadQueries = fields.allowBroadQueries;
    this.packageList = packageList;
    this.decided = decided;
  }

  /** The queries, one per entry. */
  public get packages(): string[] {
    return this.packageList.queries();
  }

  /**
   * The same source with what a mirror decided for it (decided values are valid already): its
   * world and architectures are final, and an empty architecture list means every
   * architecture upstream lists.
   */
  public with(decisions: SourceDecisions): CheckedSource {
    return new CheckedSource({ ...this, ...decisions }, this.packageList, true);
  }
}
