import { AptlyConfig } from './aptly-config';
import { CheckedSource } from './checked-source';
import { MirrorSourceProps } from './mirror-source-props';
import { ProblemsError, throwIfProblems } from './problems';
import { requestedPackageName } from './query/analyse';
import { loadSourceDirectory } from './seed/directory-loader';
import { SourceLoadOptions } from './seed/load-options';
import { formatSourceTxt } from './seed/seed-text';
import { loadSourceYaml } from './seed/yaml-loader';
import { checkSourceFields } from './source-checks';
import { duplicatePublications } from './uniqueness';
import { UpstreamKey } from './upstream-key';
import { isFlatDistribution } from './validation';
import { deriveWorld } from './worlds';

/**
 * A validated APT source. Construct it from typed props, or load the seed formats with
 * `MirrorSource.fromDirectory()` / `MirrorSource.fromYamlFile()`.
 *
 * @example
 * const bookworm = new MirrorSource({
 *   prefix: 'debian',
 *   name: 'bookworm',
 *   url: 'http://debian.mirror.example/debian',
 *   keyUrl: 'https://debian.mirror.example/archive-key.asc',
 *   distribution: 'bookworm',
 *   components: ['main'],
 *   packages: ['nginx', 'libstdc++6 (>= 12)'],
 * });
 */
export class MirrorSource {
  /**
   * Load the seed's directory layout: `<dir>/<prefix>/<name>/{source.txt,packages.txt[,aptly.conf]}`.
   * Every problem in the directory is reported at once, each with its file and line.
   * @example MirrorSource.fromDirectory('./sources')
   */
  public static fromDirectory(dir: string, options: SourceLoadOptions = {}): MirrorSource[] {
    return loadSourceDirectory(dir, options).map(s => MirrorSource._fromChecked(s.checked, s.definedAt));
  }

  /**
   * Load the seed's multi-document YAML format: one document per upstream, one source per
   * `subrepos[]` entry (prefix = the document's `name`). Every problem is reported at once.
   * @example MirrorSource.fromYamlFile('./sources.yaml')
   */
  public static fromYamlFile(file: string, options: SourceLoadOptions = {}): MirrorSource[] {
    return loadSourceYaml(file, options).map(s => MirrorSource._fromChecked(s.checked, s.definedAt));
  }

  /**
   * Check that no two sources publish the same `<prefix>/dists/<publishDistribution>` (and
   * that no two share a prefix and name). `MiniMirror` calls this for you.
   * @example MirrorSource.checkUnique([...debian, ...vendor], 'my sources')
   */
  public static checkUnique(sources: MirrorSource[], what: string = 'sources'): void {
    throwIfProblems(what, duplicatePublications(sources.map(s => ({
      id: s.id, prefix: s.prefix, distribution: s.publishDistribution, at: { file: s.definedAt },
    }))));
  }

  /**
   * A source from props that passed the checks already (loaders check them first, to point
   * each problem at its file and line), without checking them again.
   * @internal
   */
  public static _fromChecked(checked: CheckedSource, definedAt?: string): MirrorSource {
    return new MirrorSource(checked, definedAt);
  }

  /** URL path segment the source is served under. */
  public readonly prefix: string;
  /** Name of the source. */
  public readonly name: string;
  /** Upstream repository URL. */
  public readonly url: string;
  /** Upstream key URL (undefined when the key comes from elsewhere, see `key`). */
  public readonly keyUrl?: string;
  /** The upstream key: `key` as given, else `UpstreamKey.fromUrl(keyUrl)`. */
  public readonly key!: UpstreamKey;
  /** Pinned upstream key fingerprints, upper-case hex without spaces (empty: no pin). */
  public readonly keyFingerprints: string[];
  /** Distribution mirrored (`./` or `dir/` for a flat repository). */
  public readonly distribution: string;
  /** Components mirrored (empty for a flat repository). */
  public readonly components: string[];
  /**
   * Distribution the source is published under: `distribution`, or for a flat repository
   * `publishDistribution` (default: the source's name).
   */
  public readonly publishDistribution!: string;
  /**
   * The dependency world: `world` as given, else derived from the distribution. Undefined for a
   * flat repository without `world`, which joins the world of the mirror's other sources: the
   * sources of a `MiniMirror` (`MiniMirror.sources`) always have theirs resolved.
   */
  public readonly world?: string;
  /**
   * Architectures to mirror. Empty: decided by the aptly config, else the mirror's default (see
   * `MirrorSourceProps.architectures`); `MiniMirror.sources` have them resolved, and there empty
   * means every architecture upstream lists.
   */
  public readonly architectures: string[];
  /** This source's own aptly config, replacing the default. */
  public readonly aptlyConfig?: AptlyConfig;
  /** Release `Origin` override. */
  public readonly origin?: string;
  /** Release `Label` override. */
  public readonly label?: string;
  /** Release `Suite` override. */
  public readonly suite?: string;
  /** Whether an unpinned `http://` key URL is accepted. */
  public readonly insecureKeyUrl: boolean;
  /** Whether upstream signature verification is off for this source. */
  public readonly insecureSkipUpstreamVerification: boolean;
  /** Whether missing dependencies only warn. */
  public readonly allowMissingDependencies: boolean;
  /** Whether queries that match (nearly) the whole archive are accepted. */
  public readonly allowBroadQueries: boolean;
  /** Whether going back in time against the previous build only warns. */
  public readonly allowDowngrade: boolean;
  /** Whether a Release of another distribution (Suite and Codename) only warns. */
  public readonly allowDistributionMismatch: boolean;
  /**
   * Where the source was defined (file or directory), for error messages.
   * @default - typed props
   */
  public readonly definedAt?: string;
  /**
   * Normalized aptly package queries, one per entry (a frozen list).
   * @example MirrorSource.fromDirectory('./sources')[0].packages // ['nginx', 'libstdc++6 (>= 12)']
   */
  public readonly packages: string[];
  private packageNames?: string[];
  private readonly checked: CheckedSource;

  /**
   * @param props the source
   * @param definedAt where the props came from, for error messages
   */
  public constructor(props: MirrorSourceProps, definedAt?: string) {
    const checked = props instanceof CheckedSource ? props : checkProps(props, definedAt);
    this.prefix = checked.prefix;
    this.name = checked.name;
    this.url = checked.url;
    // The one given is spread, the other derived from it (so a spread copy has exactly one).
    defineKey(this, 'keyUrl', checked.keyUrl, checked.key?.url);
    defineKey(this, 'key', checked.key, checked.key ? undefined : UpstreamKey.fromUrl(checked.keyUrl!));
    this.keyFingerprints = checked.keyFingerprints.map(f => f.replace(/\s+/g, '').replace(/^0x/i, '').toUpperCase());
    this.distribution = checked.distribution;
    this.components = [...checked.components];
    // Derived unless given: a derived value is no own enumerable property, so spreading the
    // source (`new MirrorSource({ ...source, distribution: 'x' })`) derives it again, while a
    // given one is copied and kept. Only a property definition can make a value readable but
    // not spread; the other derived attributes (flat, publishComponents) are getters.
    const flat = isFlatDistribution(checked.distribution);
    defineDerived(this, 'publishDistribution', checked.publishDistribution, flat ? checked.name : checked.distribution);
    defineDerived(this, 'world', checked.world, flat ? undefined : deriveWorld(checked.distribution));
    // Frozen: changing the list would not change packagesTxt, which is what gets mirrored.
    const packages = [...checked.packageList.queries()];
    Object.freeze(packages);
    this.packages = packages;
    this.architectures = [...checked.architectures];
    this.aptlyConfig = checked.aptlyConfig;
    this.origin = checked.origin;
    this.label = checked.label;
    this.suite = checked.suite;
    this.insecureKeyUrl = checked.insecureKeyUrl ?? false;
    this.insecureSkipUpstreamVerification = checked.insecureSkipUpstreamVerification ?? false;
    this.allowMissingDependencies = checked.allowMissingDependencies ?? false;
    this.allowBroadQueries = checked.allowBroadQueries ?? false;
    this.allowDowngrade = checked.allowDowngrade ?? false;
    this.allowDistributionMismatch = checked.allowDistributionMismatch ?? false;
    this.definedAt = definedAt;
    this.checked = checked;
  }

  /** Whether the source is a flat repository (distribution ending in `/`, no components). */
  public get flat(): boolean {
    return isFlatDistribution(this.distribution);
  }

  /**
   * Components the source is published with: `components`, or `['main']` for a flat repository.
   */
  public get publishComponents(): string[] {
    return this.flat ? ['main'] : [...this.components];
  }

  /**
   * This source with its world and architectures resolved by a `MiniMirror` (fields checked
   * already, so the copy costs no checks).
   * @internal
   */
  public _resolved(world: string, architectures: string[]): MirrorSource {
    const publishDistribution = this.flat ? this.publishDistribution : undefined;
    return MirrorSource._fromChecked(this.checked.with({ world, architectures, publishDistribution }), this.definedAt);
  }

  /**
   * Whether a `MiniMirror` resolved this source (`_resolved`): its world and architectures are
   * final, and there an empty architecture list means every architecture upstream lists.
   * @internal
   */
  public get _isResolved(): boolean {
    return this.checked.decided;
  }

  /**
   * Names of the packages requested by name (`nginx`, `libc6 (>= 2.36) {amd64}`; not field
   * queries or combinations), for `apt-get install --simulate` in the smoke test.
   * @example new MirrorSource({ ...props, packages: ['nginx', 'Priority (required)'] }).requestedPackageNames // ['nginx']
   */
  public get requestedPackageNames(): string[] {
    // Computed on demand: large mirrors only ever need the first few (see SmokeTest maxPackages).
    this.packageNames ??= [...new Set(this.packages.map(requestedPackageName).filter((n): n is string => n !== undefined))];
    return [...this.packageNames];
  }

  /** `<prefix>/<name>`: the source's path in the seed layout. */
  public get id(): string {
    return `${this.prefix}/${this.name}`;
  }

  /** The seed's `source.txt` line: `url key_url dist component...` (`url key_url ./` when flat). */
  public get sourceTxt(): string {
    return formatSourceTxt(this);
  }

  /** The seed's `packages.txt`: one normalized query per line. */
  public get packagesTxt(): string {
    return this.checked.packageList.text();
  }
}

/** Checks typed props, throwing one error with every problem (each named by its field path). */
function checkProps(props: MirrorSourceProps, definedAt: string | undefined): CheckedSource {
  const { problems, checked } = checkSourceFields({
    ...props,
    keyFingerprints: props.keyFingerprints ?? [],
    architectures: props.architectures ?? [],
  });
  if (checked) return checked;
  const id = `${props.prefix}/${props.name}`;
  throw new ProblemsError(definedAt ? `source ${id} (${definedAt})` : `source ${id}`, problems.map(p => ({
    message: `${p.field}${p.index === undefined ? '' : `[${p.index}]`}: ${p.message}`,
    hint: p.hint,
  })));
}

/**
 * `source[key]`: `given` as an own enumerable property (spreading copies it), else `derived`
 * as one that is not enumerable (spreading leaves it out).
 */
function defineDerived(source: MirrorSource, key: 'world' | 'publishDistribution', given: string | undefined, derived: string | undefined): void {
  Object.defineProperty(source, key, { value: given ?? derived, enumerable: given !== undefined, writable: false, configurable: false });
}

/** `source[key]` as `defineDerived` does it, for the two ways of giving the upstream key. */
function defineKey<K extends 'keyUrl' | 'key'>(source: MirrorSource, key: K, given: MirrorSource[K] | undefined, derived: MirrorSource[K] | undefined): void {
  Object.defineProperty(source, key, { value: given ?? derived, enumerable: given !== undefined, writable: false, configurable: false });
}
