import { Duration } from 'cdk8s';
import { AptlyConfig, MirrorSource, MirrorSourceProps, ReleaseSigning } from '../../src';
import { buildJson } from '../../src/build-job/build-config';
import { resolveSources } from '../../src/sources/resolution';
import { errorOf } from '../support/tree';

/** Where the first source comes from, as its props give it and build.json lists it. */
const ORIGIN = {
  prefix: 'debian',
  name: 'bookworm',
  url: 'http://debian.mirror.example/debian',
  keyUrl: 'https://debian.mirror.example/archive-key.asc',
  distribution: 'bookworm',
  components: ['main', 'contrib'],
};

const BASE: MirrorSourceProps = { ...ORIGIN, packages: ['nginx'] };

function config(sources: MirrorSource[], extra: { stallTimeout?: Duration; validFor?: Duration; defaultAptlyConfig?: AptlyConfig } = {}): any {
  return JSON.parse(buildJson({ sources, signing: ReleaseSigning.insecureUnsigned(), concurrency: 4, retries: 3, contentHash: 'abc', ...extra }));
}

/** A source as build.json lists it: the first source of the test, with differences. */
function listed(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    ...ORIGIN,
    publishDistribution: 'bookworm',
    world: 'bookworm',
    architectures: ['amd64', 'arm64'],
    verify: true,
    fingerprints: [],
    dependencyGate: true,
    origin: null,
    label: null,
    suite: null,
    ...overrides,
  };
}

describe('build.json', () => {
  test('GIVEN a release, its security pocket and a flat vendor repository THEN version 2 lists everything the build needs', () => {
    const sources = resolveSources([
      new MirrorSource({ ...BASE, keyFingerprints: ['0123456789ABCDEF0123456789ABCDEF01234567'] }),
      new MirrorSource({ ...BASE, prefix: 'debian-security', name: 'security', distribution: 'bookworm-security', components: ['main'], label: 'Security' }),
      new MirrorSource({ ...BASE, prefix: 'vendor', name: 'tools', url: 'http://vendor.mirror.example/deb/', distribution: './', components: [], allowMissingDependencies: true }),
    ], { architectures: ['amd64', 'arm64'] });
    expect(config(sources)).toEqual({
      version: 2,
      contentHash: 'abc',
      // no refresh epoch given: the build identity is the content hash
      buildIdentity: 'abc',
      refreshEpoch: null,
      concurrency: 4,
      retries: 3,
      stallTimeoutSeconds: 120,
      validForSeconds: null,
      signing: { mode: 'unsigned' },
      previousManifest: null,
      sources: [
        listed({ fingerprints: ['0123456789ABCDEF0123456789ABCDEF01234567'] }),
        listed({
          prefix: 'debian-security',
          name: 'security',
          distribution: 'bookworm-security',
          components: ['main'],
          publishDistribution: 'bookworm-security',
          label: 'Security',
        }),
        listed({
          prefix: 'vendor',
          name: 'tools',
          url: 'http://vendor.mirror.example/deb/',
          distribution: './',
          components: [],
          publishDistribution: 'tools',
          dependencyGate: false,
        }),
      ],
    });
  });

  test('every architecture upstream lists is null', () => {
    const [source] = resolveSources([new MirrorSource(BASE)], { defaultAptlyConfig: AptlyConfig.fromProps({ architectures: [] }) });
    expect(config([source]).sources[0].architectures).toBeNull();
    // Sources not resolved by a MiniMirror are resolved with the defaults given here.
    expect(config([new MirrorSource(BASE)]).sources[0].architectures).toEqual(['amd64']);
    expect(config([new MirrorSource(BASE)], { defaultAptlyConfig: AptlyConfig.fromJson({ architectures: [] }) }).sources[0].architectures).toBeNull();
  });

  test('one line per source, so thousands of sources fit a ConfigMap', () => {
    const text = buildJson({ sources: [new MirrorSource(BASE)], signing: ReleaseSigning.insecureUnsigned(), concurrency: 4, retries: 3, contentHash: 'abc' });
    expect(text.split('\n')).toHaveLength(16);
    expect(text).toMatch(/^ {4}\{"architectures":\["amd64"\],"components":\["main","contrib"\],.*"world":"bookworm"\}$/m);
  });

  /** Each duration option: what it accepts (the seconds written as `<option>Seconds`) and what it refuses. */
  const DURATIONS: { option: 'stallTimeout' | 'validFor'; accepted: [Duration, number][]; refused: [Duration, string][] }[] = [
    {
      option: 'stallTimeout',
      accepted: [[Duration.seconds(10), 10], [Duration.hours(1), 3600]],
      refused: [
        [Duration.seconds(9), 'stallTimeout must be a whole number of seconds from 10 seconds to 1 hour, got 9s'],
        [Duration.minutes(61), 'stallTimeout must be a whole number of seconds from 10 seconds to 1 hour, got 3660s'],
        [Duration.millis(10500), 'stallTimeout must be a whole number of seconds from 10 seconds to 1 hour, got 10.5s'],
      ],
    },
    {
      option: 'validFor',
      accepted: [[Duration.hours(1), 3600], [Duration.days(14), 14 * 86400], [Duration.days(3650), 3650 * 86400]],
      refused: [
        [Duration.minutes(59), 'validFor must be a whole number of seconds from 1 hour to 3650 days, got 3540s'],
        [Duration.days(3651), 'validFor must be a whole number of seconds from 1 hour to 3650 days, got 315446400s'],
        [Duration.millis(3600500), 'validFor must be a whole number of seconds from 1 hour to 3650 days, got 3600.5s'],
      ],
    },
  ];
  for (const { option, accepted, refused } of DURATIONS) {
    test.each(accepted)(`${option} %s`, (duration, seconds) => {
      expect(config([new MirrorSource(BASE)], { [option]: duration })[`${option}Seconds`]).toBe(seconds);
    });
    test.each(refused)(`${option} %s is refused`, (duration, message) => {
      expect(errorOf(() => config([new MirrorSource(BASE)], { [option]: duration }))).toBe(message);
    });
  }
});
