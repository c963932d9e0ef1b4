import * as path from 'path';
import { Duration } from 'cdk8s';
import { MirrorSource, PreviousManifest, RollbackTarget } from '../../src';
import { BUILD_CONFIG_VERSION, BUILD_JSON_DEFAULTS, BUILD_JSON_FILE, BuildConfig } from '../../src/contract/build-json';
import { readBuildConfig } from '../../src/runner/build-json-reader';
import { synthMirror, testSources } from '../serving/fixtures';
import { writeTree } from '../support/tree';

/** A source that sets every setting away from the reader's default, so that each one is written. */
const EVERYTHING = new MirrorSource({
  prefix: 'vendor',
  name: 'all-set',
  url: 'https://vendor.upstream.example/apt',
  keyUrl: 'https://vendor.upstream.example/key.asc',
  keyFingerprints: ['0123 4567 89AB CDEF 0123  4567 89AB CDEF 0123 4567'],
  distribution: 'stable',
  components: ['main', 'non-free'],
  world: 'vendor-world',
  packages: ['tool'],
  architectures: ['arm64'],
  origin: 'Vendor',
  label: 'Vendor tools',
  suite: 'stable',
  allowMissingDependencies: true,
  allowBroadQueries: true,
  allowDowngrade: true,
  allowDistributionMismatch: true,
});

/** A flat repository without upstream verification: the other shape of a source. */
const FLAT = new MirrorSource({
  prefix: 'flat',
  name: 'repo',
  url: 'http://flat.upstream.example/repo',
  keyUrl: 'http://flat.upstream.example/key.asc',
  distribution: './',
  publishDistribution: 'flat-mirror',
  world: 'bookworm',
  components: [],
  packages: ['flat-tool'],
  insecureSkipUpstreamVerification: true,
});

/** build.json as the construct wrote it into the build ConfigMap, and as the runner reads it. */
function roundTrip(props: Parameters<typeof synthMirror>[0]): { written: any; read: BuildConfig } {
  const { manifests } = synthMirror(props);
  const text: string = manifests.find(m => m.kind === 'ConfigMap' && m.data?.[BUILD_JSON_FILE]).data[BUILD_JSON_FILE];
  const dir = writeTree({ [BUILD_JSON_FILE]: text });
  return { written: JSON.parse(text), read: readBuildConfig(path.join(dir, BUILD_JSON_FILE)) };
}

describe('build.json from the construct through the runner reader', () => {
  test('GIVEN every setting away from its default THEN the reader returns each written field unchanged, and knows no other', () => {
    const { written, read } = roundTrip({
      props: {
        sources: [...testSources(), EVERYTHING, FLAT],
        refreshEpoch: '2026-12',
        recommends: false,
        validFor: Duration.days(14),
        buildJob: { concurrency: 3, retries: 5, stallTimeout: Duration.minutes(5), previousManifest: PreviousManifest.fromUrl('https://debian.mirror.example/previous/manifest.json') },
      },
    });
    expect(written.version).toBe(BUILD_CONFIG_VERSION);
    // Nothing left to a default: the written file names every field the reader returns, except
    // rollbackFrom, which only a rollback sets (the next test).
    expect(Object.keys(read).filter(k => k !== 'rollbackFrom').sort()).toEqual(Object.keys(written).sort());
    expect(read.rollbackFrom).toBeNull();
    for (const key of Object.keys(written).filter(k => k !== 'sources')) {
      expect({ key, value: (read as any)[key] }).toEqual({ key, value: written[key] });
    }
    expect(read.sources).toHaveLength(written.sources.length);
    const everything = written.sources.findIndex((s: any) => s.name === 'all-set');
    expect(Object.keys(read.sources[everything]).sort()).toEqual(Object.keys(written.sources[everything]).sort());
    written.sources.forEach((source: any, i: number) => {
      for (const key of Object.keys(source)) {
        expect({ source: source.name, key, value: (read.sources[i] as any)[key] }).toEqual({ source: source.name, key, value: source[key] });
      }
    });
    // The values are the ones the props gave, not defaults that happen to agree.
    expect(read).toMatchObject({
      concurrency: 3,
      retries: 5,
      stallTimeoutSeconds: 300,
      validForSeconds: 14 * 86400,
      refreshEpoch: '2026-12',
      previousManifest: 'https://debian.mirror.example/previous/manifest.json',
      signing: { mode: 'key', privateKeyFile: BUILD_JSON_DEFAULTS.privateKeyFile, passphraseFile: 'passphrase' },
    });
    expect(read.sources[everything]).toMatchObject({
      fingerprints: ['0123456789ABCDEF0123456789ABCDEF01234567'],
      world: 'vendor-world',
      architectures: ['arm64'],
      recommends: false,
      allowBroadQueries: true,
      allowDowngrade: true,
      allowDistributionMismatch: true,
      dependencyGate: false,
      origin: 'Vendor',
      label: 'Vendor tools',
      suite: 'stable',
    });
    expect(read.sources.find(s => s.name === 'repo')).toMatchObject({ components: [], distribution: './', publishDistribution: 'flat-mirror', verify: false });
  });

  test('GIVEN a rollback THEN rollbackFrom is written and read back: the tree the Job\'s rollback step fetches', () => {
    const { written, read } = roundTrip({ props: { buildJob: { rollbackTo: RollbackTarget.image('registry.example.com/platform/mini-mirror:0123456789abcdef0123') } } });
    expect(written.rollbackFrom).toBe('/workspace/rollback-from');
    expect(Object.keys(read).sort()).toEqual(Object.keys(written).sort());
    expect(read.rollbackFrom).toBe(written.rollbackFrom);
    expect(read.previousManifest).toMatch(/^http:\/\/.*\/manifest\.json$/);
  });

  test('GIVEN defaults THEN the fields the writer leaves out read as the defaults the construct means', () => {
    const { written, read } = roundTrip({ signed: false, props: { buildJob: { previousManifest: PreviousManifest.none() } } });
    expect(written.signing).toEqual({ mode: 'unsigned' });
    expect(read.signing).toEqual({ mode: 'unsigned' });
    expect(read.stallTimeoutSeconds).toBe(BUILD_JSON_DEFAULTS.stallTimeoutSeconds);
    expect(read.previousManifest).toBeNull();
    for (const [i, source] of written.sources.entries()) {
      for (const key of ['recommends', 'allowBroadQueries', 'allowDowngrade', 'allowDistributionMismatch']) expect(source).not.toHaveProperty(key);
      expect(read.sources[i]).toMatchObject({ recommends: true, allowBroadQueries: false, allowDowngrade: false, allowDistributionMismatch: false });
    }
  });
});
