import { FakeUpstream, FakeUpstreamHandle } from '../support/fake-upstream';
import { BuildResult, removeBuild, runBuild } from '../support/run-build';
import { GeneratedKey, generateSigningKey } from '../support/signing-key';

// A slow upstream (every answer 2.5 s late, one download at a time): the three package files take
// ~7.5 s, long enough for the progress line that comes at most every 5 s.
let upstream: FakeUpstreamHandle;
let key: GeneratedKey;
let result: BuildResult | undefined;

beforeAll(async () => {
  [upstream, key] = await Promise.all([FakeUpstream.start({ latencyMs: 2500 }), generateSigningKey({ userId: 'Test Mirror <mirror@example.com>' })]);
}, 120_000);

afterAll(async () => {
  await upstream.stop();
  if (result) await removeBuild(result.rootDir);
});

test('a slow download logs the estimate first, then files and bytes done, without URLs', async () => {
  result = await runBuild({
    signing: { mode: 'key', privateKey: key.privateKey, publicKey: key.publicKey, passphrase: key.passphrase, fingerprint: key.fingerprint },
    sources: [{
      prefix: 'debian',
      name: 'bookworm',
      url: upstream.url,
      keyUrl: upstream.keyUrl,
      distribution: 'bookworm',
      components: ['main'],
      packages: ['chain-a'],
      aptlyConf: { architectures: ['amd64'], downloadConcurrency: 1 },
    }],
  });
  expect([result.exitCode, result.stderr]).toEqual([0, expect.anything()]);
  const lines = result.stdout.split('\n');
  const estimate = lines.findIndex(l => /^debian\/bookworm: will fetch 3 packages, [\d.]+ (B|KiB) \(0 packages, 0 B reused\)$/.test(l));
  const progress = lines.map((l, i) => [l, i] as const).filter(([l]) => /^debian\/bookworm: downloaded \d of 3 packages, [\d.]+ (B|KiB) of [\d.]+ (B|KiB)$/.test(l));
  expect(estimate).toBeGreaterThanOrEqual(0);
  expect(progress.length).toBeGreaterThanOrEqual(1);
  expect(progress.every(([, i]) => i > estimate)).toBe(true);
  expect(lines.filter(l => /downloaded/.test(l)).every(l => !l.includes('http'))).toBe(true);
}, 300_000);
