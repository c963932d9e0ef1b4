import type { MirrorSourceProps } from './mirror-source-props';
import type { PackageList } from './package-list';

/** The fields of a source as the checks see them: the props, with the lists defaulted. */
export interface SourceFields extends Omit<MirrorSourceProps, 'packages' | 'keyFingerprints' | 'architectures'> {
  /** The queries, or a packages.txt already known to hold only canonical ones. */
  readonly packages: string[] | PackageList;
  readonly keyFingerprints: string[];
  readonly architectures: string[];
}

/** What a mirror decides for a source: its world and architectures (see `MirrorSource._resolved`). */
export type SourceDecisions = Pick<SourceFields, 'world' | 'architectures' | 'publishDistribution'>;

/** Every checked field: the compiler holds this list to `SourceFields` (none missing, none extra). */
const FIELDS = {
  prefix: true,
  name: true,
  url: true,
  keyUrl: true,
  key: true,
  keyFingerprints: true,
  distribution: true,
  components: true,
  publishDistribution: true,
  world: true,
  architectures: true,
  aptlyConfig: true,
  origin: true,
  label: true,
  suite: true,
  insecureKeyUrl: true,
  insecureSkipUpstreamVerification: true,
  allowMissingDependencies: true,
  allowBroadQueries: true,
  allowDowngrade: true,
  allowDistributionMismatch: true,
} as const satisfies Record<keyof Omit<SourceFields, 'packages'>, true>;
const FIELD_NAMES = Object.keys(FIELDS) as Array<keyof typeof FIELDS>;

/** The checked fields, as `CheckedSource` holds them (merged into the class below). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface CheckedSource extends Readonly<Omit<SourceFields, 'packages'>> {}

/**
 * Source props that passed every check, with the queries parsed. Made by `checkSourceFields`
 * (or from another `CheckedSource`); `MirrorSource` takes them as they are, without checking
 * them again. Its fields are the checked ones, copied (declared by the interface of the same
 * name, from `MirrorSourceProps`).
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class CheckedSource implements MirrorSourceProps {
  /** the normalized queries */
  public readonly packageList: PackageList;
  /** whether a mirror has decided world and architectures (see `with`) */
  public readonly decided: boolean;

  /** Only for fields `checkSourceFields` found valid, with the queries it normalized. */
  public constructor(fields: Omit<SourceFields, 'packages'>, packageList: PackageList, decided: boolean = false) {
    // The checked fields only: not whatever else the caller's object carries (a spread source's
    // internals, stray keys from JavaScript).
    Object.assign(this, Object.fromEntries(FIELD_NAMES.map(k => [k, fields[k]])));
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
