import { Duration } from 'cdk8s';
import { BUILD_CONFIG_VERSION, BuildJson, SourceJson } from '../contract/build-json';
import { ReleaseSigning } from '../signing/release-signing';
import { AptlyConfig } from '../sources/aptly-config';
import { MirrorSource } from '../sources/mirror-source';
import { resolvedSources } from '../sources/resolution';
import { wholeNumberProblem } from '../util/checks';
import { stableStringify } from '../util/stable-json';

/** Inputs of build.json. */
export interface BuildJsonOptions {
  /** The sources: `MiniMirror.sources` have world and architectures resolved already. */
  readonly sources: MirrorSource[];
  readonly signing: ReleaseSigning;
  readonly concurrency: number;
  readonly retries: number;
  readonly contentHash: string;
  /** What this build is: its inputs and the refresh epoch. @default - the content hash */
  readonly buildIdentity?: string;
  /** The refresh epoch, recorded in the manifest. @default - none (null) */
  readonly refreshEpoch?: string;
  /** @default Duration.minutes(2) */
  readonly stallTimeout?: Duration;
  /** Valid-Until of the published Releases, after their Date. @default - no Valid-Until */
  readonly validFor?: Duration;
  /** For sources not resolved by a MiniMirror: the default aptly config. @default - none */
  readonly defaultAptlyConfig?: AptlyConfig;
  /** Whether the mirror follows Recommends (`MiniMirrorProps.recommends`). @default true */
  readonly recommends?: boolean;
  /** Where the build reads the previous manifest (URL), or null. @default - none (null) */
  readonly previousManifest?: string | null;
  /** A rollback: the earlier build's tree, as the Job's rollback step puts it. @default - none: an ordinary build */
  readonly rollbackFrom?: string;
}

/** The stall timeout in whole seconds, checked (10 s to 1 h). */
export function stallTimeoutSeconds(timeout: Duration = Duration.minutes(2)): number {
  const seconds = timeout.toMilliseconds() / 1000;
  if (wholeNumberProblem('stallTimeout', seconds, 10, 3600)) {
    throw new Error(`stallTimeout must be a whole number of seconds from 10 seconds to 1 hour, got ${seconds}s`);
  }
  return seconds;
}

/** validFor in whole seconds, checked (1 hour to 10 years). */
export function validForSeconds(validFor: Duration): number {
  const seconds = validFor.toMilliseconds() / 1000;
  if (wholeNumberProblem('validFor', seconds, 3600, 3650 * 86400)) {
    throw new Error(`validFor must be a whole number of seconds from 1 hour to 3650 days, got ${seconds}s`);
  }
  return seconds;
}

function followsRecommends(opts: BuildJsonOptions, s: MirrorSource): boolean {
  return opts.recommends !== false || (s.aptlyConfig ?? opts.defaultAptlyConfig)?.json.dependencyFollowRecommends === true;
}

/** Options of the build that are not in the seed layout (see docs/build-contract.md). */
export function buildJson(opts: BuildJsonOptions): string {
  const signing = opts.signing._buildJson();
  const resolved = resolvedSources(opts.sources, { defaultAptlyConfig: opts.defaultAptlyConfig });
  const sources = resolved.map(({ source: s, world, architectures }): SourceJson => ({
    prefix: s.prefix,
    name: s.name,
    url: s.url,
    keyUrl: s.keyUrl ?? null,
    // A key that is no URL is a file in the source's directory of the sources mount.
    ...(s.key.fileName ? { keyFile: s.key.fileName } : {}),
    distribution: s.distribution,
    components: s.components,
    publishDistribution: s.publishDistribution,
    world,
    architectures,
    verify: !s.insecureSkipUpstreamVerification,
    fingerprints: s.keyFingerprints,
    dependencyGate: !s.allowMissingDependencies,
    origin: s.origin ?? null,
    label: s.label ?? null,
    suite: s.suite ?? null,
    // The settings below are written only when they differ from the reader's default: a line per
    // source stays short (thousands of sources share one ConfigMap).
    // A source's aptly config can add Recommends for its packages, never drop them: see MiniMirrorProps.recommends.
    ...(followsRecommends(opts, s) ? {} : { recommends: false }),
    ...(s.allowBroadQueries ? { allowBroadQueries: true } : {}),
    ...(s.allowDowngrade ? { allowDowngrade: true } : {}),
    ...(s.allowDistributionMismatch ? { allowDistributionMismatch: true } : {}),
  }));
  const json: BuildJson = {
    version: BUILD_CONFIG_VERSION,
    contentHash: opts.contentHash,
    buildIdentity: opts.buildIdentity ?? opts.contentHash,
    refreshEpoch: opts.refreshEpoch ?? null,
    concurrency: opts.concurrency,
    retries: opts.retries,
    stallTimeoutSeconds: stallTimeoutSeconds(opts.stallTimeout),
    validForSeconds: opts.validFor === undefined ? null : validForSeconds(opts.validFor),
    signing,
    sources,
    previousManifest: opts.previousManifest ?? null,
    // only for a rollback: the build.json of every other build stays as it was
    ...(opts.rollbackFrom !== undefined ? { rollbackFrom: opts.rollbackFrom } : {}),
  };
  return compactJson(json);
}

/**
 * Stable JSON with one top-level key per line and one line per list entry: readable in the
 * ConfigMap, and small enough for thousands of sources (indenting every field would double it).
 */
function compactJson(json: BuildJson): string {
  const config: Record<string, unknown> = json;
  const field = (key: string): string => {
    const value = config[key];
    const text = Array.isArray(value)
      ? (value.length ? `[\n${value.map(v => `    ${stableStringify(v)}`).join(',\n')}\n  ]` : '[]')
      : stableStringify(value);
    return `  ${JSON.stringify(key)}: ${text}`;
  };
  return `{\n${Object.keys(config).sort().map(field).join(',\n')}\n}\n`;
}
