import type { MirrorSourceProps } from './mirror-source';
import type { PackageList } from './package-list';
import type { SourceFields } from './source-checks';

/** What a mirror decides for a source: its world and architectures (see `MirrorSource._resolved`). */
export type SourceDecisions = Pick<SourceFields, 'world' | 'architectures' | 'publishDistribution'>;

/** The checked fields, as `CheckedSource` holds them (merged into the class below). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface CheckedSource extends Readonly<Omit<SourceFields, 'packages'>> {}

/**
 * Source props that passed every check, with the queries parsed. Made by `checkSourceFields`
 * (or from another `CheckedSource`); `MirrorSource` takes them as they are, without checking
 * them again. Its fields are the checked ones, copied (declared by the interface of the same
 * name, so the field list is written once, in `MirrorSourceProps`).
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class CheckedSource implements MirrorSourceProps {
  /** the normalized queries */
  public readonly packageList: PackageList;
  /** whether a mirror has decided world and architectures (see `with`) */
  public readonly decided: boolean;

  /** Only for fields `checkSourceFields` found valid, with the queries it normalized. */
  public constructor(fields: Omit<SourceFields, 'packages'>, packageList: PackageList, decided: boolean = false) {
    const { packages: _ignored, ...checked } = fields as SourceFields;
    Object.assign(this, checked);
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
