/**
 * Settings the seed formats cannot express, given per source when loading them.
 */
export interface SourceOverrides {
  /**
   * Pin upstream key fingerprints.
   * @default - no pin
   */
  readonly keyFingerprints?: string[];
  /**
   * Architectures to mirror.
   * @default - the aptly config's, else the mirror's
   */
  readonly architectures?: string[];
  /**
   * Dependency world of the source (see `MirrorSourceProps.world`); the directory format has
   * no place for it.
   * @default - derived from the distribution
   */
  readonly world?: string;
  /**
   * Release `Origin` override.
   * @default - upstream's Origin
   */
  readonly origin?: string;
  /**
   * Release `Label` override.
   * @default - upstream's Label (or the YAML document's `label`)
   */
  readonly label?: string;
  /**
   * Release `Suite` override.
   * @default - upstream's Suite
   */
  readonly suite?: string;
  /**
   * Accept an `http://` key URL without a pinned fingerprint (see `MirrorSourceProps`).
   * @default false
   */
  readonly insecureKeyUrl?: boolean;
  /**
   * Mirror without checking upstream signatures (see `MirrorSourceProps`).
   * @default false
   */
  readonly insecureSkipUpstreamVerification?: boolean;
  /**
   * Publish even when dependencies are missing (see `MirrorSourceProps`).
   * @default false
   */
  readonly allowMissingDependencies?: boolean;
  /**
   * Accept queries that match (nearly) the whole archive (see `MirrorSourceProps`).
   * @default false
   */
  readonly allowBroadQueries?: boolean;
  /**
   * Go on with a warning when upstream went back in time against the previous build (see `MirrorSourceProps`).
   * @default false
   */
  readonly allowDowngrade?: boolean;
  /**
   * Mirror a Release of another distribution with a warning (see `MirrorSourceProps`).
   * @default false
   */
  readonly allowDistributionMismatch?: boolean;
}

/**
 * Options for `MirrorSource.fromDirectory()` and `MirrorSource.fromYamlFile()`.
 *
 * @example
 * MirrorSource.fromDirectory('./sources', {
 *   overrides: { 'vendor/tools': { keyFingerprints: ['0123456789ABCDEF0123456789ABCDEF01234567'] } },
 * });
 */
export interface SourceLoadOptions {
  /**
   * Per-source settings, keyed by `<prefix>/<name>` (for YAML files: `<document name>/<distribution>`).
   * A key that names no loaded source is an error.
   * @default - none
   */
  readonly overrides?: { [sourceId: string]: SourceOverrides };
  /**
   * Accept queries that match (nearly) the whole archive in every loaded source (see
   * `MirrorSourceProps.allowBroadQueries`); `overrides` can allow them per source instead.
   * @default false
   */
  readonly allowBroadQueries?: boolean;
}
