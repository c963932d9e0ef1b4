// The settings aptly 1.5.0 reads from its config file: the json tags of ConfigStructure in
// aptly's utils/config.go at tag v1.5.0 (copied from the source, not guessed). aptly ignores
// unknown keys, so a misspelt "gpgDisableVerfy" or a docker config.json in aptly.conf's place
// would pass silently and land in a ConfigMap; and Go matches keys without regard to case
// ("GPGDisableVerify" sets gpgDisableVerify), so only the exact spelling is accepted here.
import { nearNames } from '../util/near-names';

export const APTLY_1_5_KEYS: readonly string[] = [
  'rootDir', 'downloadConcurrency', 'downloadSpeedLimit', 'downloadRetries', 'downloader', 'databaseOpenAttempts',
  'architectures', 'dependencyFollowSuggests', 'dependencyFollowRecommends', 'dependencyFollowAllVariants',
  'dependencyFollowSource', 'dependencyVerboseResolve', 'gpgDisableSign', 'gpgDisableVerify', 'gpgProvider',
  'downloadSourcePackages', 'skipLegacyPool', 'ppaDistributorID', 'ppaCodename', 'skipContentsPublishing',
  'skipBz2Publishing', 'FileSystemPublishEndpoints', 'S3PublishEndpoints', 'SwiftPublishEndpoints',
  'AzurePublishEndpoints', 'AsyncAPI', 'enableMetricsEndpoint',
];

/**
 * Publishing targets: the build publishes into its own tree and never uses them, and the
 * S3/Swift/Azure ones hold credentials that would be stored in a ConfigMap.
 */
const PUBLISH_ENDPOINTS = new Set(['FileSystemPublishEndpoints', 'S3PublishEndpoints', 'SwiftPublishEndpoints', 'AzurePublishEndpoints']);

/** A key as it may be shown: a setting-like name; anything else (a host, a token) is not echoed. */
const SHOWABLE = /^[A-Za-z_$][A-Za-z0-9_.-]{0,60}$/;

/** The problem with `key` of an aptly config, or undefined when aptly 1.5.0 has that setting. */
export function aptlyKeyProblem(key: string): string | undefined {
  if (PUBLISH_ENDPOINTS.has(key)) {
    return `aptly config "${key}" configures a publishing target, which the build never uses (it publishes into its own tree) `
      + 'and whose credentials would be stored in a ConfigMap: remove it';
  }
  if (APTLY_1_5_KEYS.includes(key)) return undefined;
  if (!SHOWABLE.test(key)) return 'aptly config has a key that is no aptly 1.5 setting (not shown): is this the right file? remove it';
  const sameLetters = APTLY_1_5_KEYS.find(k => k.toLowerCase() === key.toLowerCase());
  const near = sameLetters ? [sameLetters] : nearNames(key, APTLY_1_5_KEYS, 1);
  const suggestion = near.length ? `did you mean ${near.map(n => `"${n}"`).join(' or ')}? ` : '';
  return `aptly config "${key}" is no aptly 1.5 setting (aptly would ignore it): ${suggestion}remove or correct it`;
}
