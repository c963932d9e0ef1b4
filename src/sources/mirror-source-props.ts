import { AptlyConfig } from './aptly-config';
import { UpstreamKey } from './upstream-key';

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
