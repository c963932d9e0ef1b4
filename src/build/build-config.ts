import { ReleaseSigning } from '../signing/release-signing';
import { MirrorSource } from '../sources/mirror-source';
import { stableStringify } from '../util/stable-json';

/** Options of the build script that are not in the seed layout (see docs/build-contract.md). */
export function buildJson(opts: {
  sources: MirrorSource[];
  signing: ReleaseSigning;
  concurrency: number;
  retries: number;
  contentHash: string;
}): string {
  const signing = opts.signing.signed
    ? {
      mode: 'key',
      privateKeyFile: opts.signing.privateKeyKey,
      passphraseFile: opts.signing.passphraseKey ?? null,
      fingerprint: opts.signing.fingerprint,
    }
    : { mode: 'unsigned' };
  return stableStringify({
    version: 1,
    contentHash: opts.contentHash,
    concurrency: opts.concurrency,
    retries: opts.retries,
    signing,
    sources: opts.sources.map(s => ({
      prefix: s.prefix,
      name: s.name,
      architectures: s.architectures,
      verify: !s.insecureSkipUpstreamVerification,
      fingerprints: s.keyFingerprints,
      dependencyGate: !s.allowMissingDependencies,
      origin: s.origin ?? null,
      label: s.label ?? null,
      suite: s.suite ?? null,
    })),
  }, 2) + '\n';
}
