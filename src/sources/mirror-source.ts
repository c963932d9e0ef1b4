import { AptlyConfig } from './aptly-config';
import { CheckedSource } from './checked-source';
import { loadSourceDirectory } from './directory-loader';
import { SourceLoadOptions } from './load-options';
import { ProblemsError, throwIfProblems } from './problems';
import { requestedPackageName } from './query/analyse';
import { formatSourceTxt } from './seed-text';
import { checkSourceFields } from './source-checks';
import { duplicatePublications } from './uniqueness';
import { UpstreamKey } from './upstream-key';
import { isFlatDistribution } from './validation';
import { deriveWorld } from './worlds';
import { loadSourceYaml } from './yaml-loader';

/**
 * One APT source to mirror: an upstream repository, one distribution, its components and the
 * packages to take from it, published under `http://<mirror>/<prefix>/dists/<distribution>`.
 */
export interface MirrorSourceProps {
  /**
   * URL path segment the source is served under (the seed's source prefix). Separates sources
   * whose distribution names would conflict.
   * @example 'debian'
   */
  readonly prefix: string;
  /**
   * Name of the source, for record-keeping and error messages.
   * @example 'bookworm'
   */
  readonly name: string;
  /**
   * Upstream repository URL (the directory that holds `dists/`).
   * @example 'http://debian.mirror.example/debian'
   */
  readonly url: string;
  /**
   * URL of the armored or binary OpenPGP key that signs upstream's Release files. Give exactly
   * one of `keyUrl` and `key`.
   * @default - none: `key` gives the key
   * @example 'https://debian.mirror.example/debian-archive-keyring.asc'
   */
  readonly keyUrl?: string;
  /**
   * The upstream's key from a file, inline text, a ConfigMap or a Secret (`UpstreamKey.fromFile()`
   * and friends), instead of `keyUrl`. Give exactly one of `keyUrl` and `key`.
   * @default - none: `keyUrl` gives the key
   */
  readonly key?: UpstreamKey;
  /**
   * Pin the upstream key: only the pinned keys among those the key file holds are trusted (apt's
   * Signed-By), and the build refuses a key file without them before it downloads anything.
   * 40 or 64 hex characters; spaces are ignored.
   * @default - no pin: every key of the key file is trusted
   */
  readonly keyFingerprints?: string[];
  /**
   * Distribution (suite or codename) to mirror and publish, as in a `sources.list` line
   * (`bookworm-security`, not `bookworm/updates`). For a flat repository (Packages and Release
   * directly below the URL, no `dists/`), the directory: `./` or a relative directory ending in
   * `/` such as `stable/`.
   * @example 'bookworm'
   */
  readonly distribution: string;
  /**
   * Components to mirror, all published together under the distribution, as apt clients write
   * them (`main` also for the security archive, whose Release lists `updates/main`). Empty for
   * a flat repository, which is published with the single component `main`.
   * @example ['main', 'contrib']
   */
  readonly components: string[];
  /**
   * Name the source is published under (`<prefix>/dists/<publishDistribution>`). Only for a
   * flat repository, which has no distribution name of its own; any other source is published
   * under its `distribution`, and a different value here is an error.
   * @default - a flat repository: the source's `name`; any other source: its `distribution`
   * @example 'stable'
   */
  readonly publishDistribution?: string;
  /**
   * The dependency world the source belongs to: the sources a client uses together (a
   * release's pockets and the vendor repositories built for it). Dependencies are resolved,
   * closed and checked over all sources of a world, and the smoke test checks each world with
   * its own apt state. Lowercase letters, digits, '.', '+' and '-'.
   * @default - derived from the distribution: lower-cased, without a trailing `-updates`, `-security`, `-backports`, `-backports-sloppy`, `-proposed-updates` or `-proposed` (bookworm-security: bookworm); a flat repository joins the single world of the mirror's other sources (`default` when there are none)
   * @example 'bookworm'
   */
  readonly world?: string;
  /**
   * aptly package queries: which packages to mirror (with their dependencies).
   * @example ['nginx', 'libstdc++6 (>= 12)', 'Priority (required)']
   */
  readonly packages: string[];
  /**
   * Architectures to mirror (never `all`: arch:all packages come with every architecture).
   * The rule, per source: this list when non-empty; else the `architectures` of the effective
   * aptly config (the source's own, else the `MiniMirror`'s `defaultAptlyConfig`) when it has
   * that key, where an explicit empty list means every architecture the upstream Release lists;
   * else the `MiniMirror`'s `architectures` (amd64 by default).
   * @default - the aptly config's `architectures`, else the mirror's `architectures`
   */
  readonly architectures?: string[];
  /**
   * aptly config for this source; replaces the mirror-wide default, as in the seed.
   * @default - the `MiniMirror`'s default aptly config
   */
  readonly aptlyConfig?: AptlyConfig;
  /**
   * `Origin` of the published Release file.
   * @default - upstream's Origin
   */
  readonly origin?: string;
  /**
   * `Label` of the published Release file.
   * @default - upstream's Label
   */
  readonly label?: string;
  /**
   * `Suite` of the published Release file.
   * @default - upstream's Suite
   */
  readonly suite?: string;
  /**
   * Accept an `http://` `keyUrl` without `keyFingerprints`. Such a key authenticates nothing:
   * anyone on the path between the build and upstream can serve their own key and sign their
   * own Release with it. Without this, an unpinned key needs an `https://` URL.
   * @default false
   */
  readonly insecureKeyUrl?: boolean;
  /**
   * Mirror without checking upstream's Release signatures. Only for upstreams that are not
   * signed at all; required to use an aptly config with `gpgDisableVerify: true`.
   * @default false
   */
  readonly insecureSkipUpstreamVerification?: boolean;
  /**
   * Publish even if some dependencies of the requested packages cannot be found in any
   * component (the build lists them as warnings instead of failing).
   * @default false
   */
  readonly allowMissingDependencies?: boolean;
  /**
   * Accept queries that alone match (nearly) the whole archive, such as `!python3` or
   * `Name (% *)`. The queries of a source are OR-ed together, so such a query mirrors
   * everything; to exclude packages, combine conditions in one query instead
   * (`Priority (required), !python3`).
   * @default false
   */
  readonly allowBroadQueries?: boolean;
  /**
   * Go on, with a warning, when upstream went back in time against the previous build (its
   * manifest.json, see `BuildOptions.previousManifest`): a Release `Date` older than the one
   * mirrored last time, or a package version lower than last time. Without it the build refuses
   * both (a replayed or frozen upstream). Set it to roll an upstream back on purpose.
   * @default false
   */
  readonly allowDowngrade?: boolean;
  /**
   * Mirror a Release whose `Suite` and `Codename` both differ from `distribution` (apt only warns
   * "Conflicting distribution"), with a warning. Off, the build refuses it: an old release's
   * signed Release served in the place of the current one would be republished as current.
   * Only for repositories that really publish this way.
   * @default false
   */
  readonly allowDistributionMismatch?: boolean;
}

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
