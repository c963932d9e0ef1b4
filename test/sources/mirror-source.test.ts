import { AptlyConfig, MirrorSource, MirrorSourceProps } from '../../src';
import { errorOf, writeTree } from '../support/tree';

const BASE: MirrorSourceProps = {
  prefix: 'debian',
  name: 'bookworm',
  url: 'http://debian.mirror.example/debian',
  keyUrl: 'https://debian.mirror.example/key.asc',
  distribution: 'bookworm',
  components: ['main', 'contrib'],
  packages: ['nginx', 'libstdc++6 (>= 12)', 'g++-12', 'Priority (required)'],
};

describe('MirrorSource', () => {
  test('GIVEN typed props WHEN constructed THEN renders the seed files', () => {
    const source = new MirrorSource({ ...BASE, keyFingerprints: ['8452f816 49c80f49 fb063dff 6184930a 63f2eb69'], architectures: ['amd64', 'arm64'] });
    expect(source.id).toBe('debian/bookworm');
    expect(source.sourceTxt).toBe('http://debian.mirror.example/debian https://debian.mirror.example/key.asc bookworm main contrib\n');
    expect(source.packagesTxt).toBe('nginx\nlibstdc++6 (>= 12)\ng++-12\nPriority (required)\n');
    expect(source.keyFingerprints).toEqual(['8452F81649C80F49FB063DFF6184930A63F2EB69']);
    expect(source.requestedPackageNames).toEqual(['nginx', 'libstdc++6', 'g++-12']);
    expect(source.insecureSkipUpstreamVerification).toBe(false);
    expect(source.allowMissingDependencies).toBe(false);
  });

  test('lists every problem with the field it is in', () => {
    const msg = errorOf(() => new MirrorSource({
      ...BASE,
      prefix: '../etc',
      url: 'ftp://x.example',
      components: [],
      packages: ['nginx', 'lib*'],
      architectures: ['x86_64'],
      keyFingerprints: ['1234'],
      origin: 'a\nb',
    }));
    expect(msg).toMatch(/^7 problems in source \.\.\/etc\/bookworm:/);
    expect(msg).toContain('prefix: prefix "../etc" must be one path segment');
    expect(msg).toContain('url: url "ftp://x.example" must use http or https');
    expect(msg).toContain('components: no components');
    expect(msg).toContain('packages[1]: invalid package query "lib*"');
    expect(msg).toContain('architectures[0]: architecture "x86_64" is not a Debian architecture');
    expect(msg).toContain('keyFingerprints[0]: "1234" is not an OpenPGP fingerprint');
    expect(msg).toContain('origin: origin must be one non-empty line');
  });

  test.each([
    [{ packages: [] }, /packages: no package queries/],
    [{ packages: undefined as any }, /packages: packages must be a list of package queries/],
    [{ packages: ['nginx', null as any] }, /packages\[1\]: package queries are strings, got null/],
    [{ suite: 'stable updates' }, /suite: suite "stable updates" must start with a letter or digit and contain only/],
    [{ keyFingerprints: ['6184930A63F2EB69'] }, /is a key ID, not a fingerprint/],
    [{ prefix: 'healthz' }, /prefix "healthz" is reserved/],
    [{ name: '' }, /name is empty/],
    [{ keyUrl: 'https://debian.mirror.example/key.asc#x' }, /contains a fragment/],
    [{ aptlyConfig: AptlyConfig.fromJson({ gpgDisableVerify: true }, 'seed aptly.conf') }, /the aptly config \(seed aptly\.conf\) sets "gpgDisableVerify": true/],
  ])('rejects %j', (override, expected) => {
    expect(errorOf(() => new MirrorSource({ ...BASE, ...override }))).toMatch(expected);
  });

  test('an unverified source is an explicit opt-out', () => {
    const aptlyConfig = AptlyConfig.fromJson({ gpgDisableVerify: true });
    const source = new MirrorSource({ ...BASE, aptlyConfig, insecureSkipUpstreamVerification: true });
    expect(source.insecureSkipUpstreamVerification).toBe(true);
  });

  test('checkUnique refuses two sources publishing the same prefix/dists/dist', () => {
    const a = new MirrorSource(BASE);
    const b = new MirrorSource({ ...BASE, name: 'other' });
    const c = new MirrorSource({ ...BASE, prefix: 'other' });
    expect(() => MirrorSource.checkUnique([a, c])).not.toThrow();
    expect(errorOf(() => MirrorSource.checkUnique([a, b]))).toMatch(/source debian\/other publishes debian\/dists\/bookworm, like debian\/bookworm: give one of them another prefix/);
  });
});

describe('AptlyConfig', () => {
  test('typed props with safe defaults', () => {
    const config = AptlyConfig.fromProps({ architectures: ['amd64'], dependencyFollowRecommends: true });
    expect(config.json).toMatchObject({ architectures: ['amd64'], dependencyFollowRecommends: true, gpgDisableVerify: false, downloadConcurrency: 4 });
    expect(config.disablesVerification).toBe(false);
    expect(config.toJsonString()).toBe(AptlyConfig.fromProps({ dependencyFollowRecommends: true, architectures: ['amd64'] }).toJsonString());
  });

  test.each([
    [{ downloadConcurrency: 0 }, /downloadConcurrency must be a whole number from 1 to 64, got 0/],
    [{ downloadRetries: 1.5 }, /downloadRetries must be a whole number/],
    [{ architectures: ['x64'] }, /architecture "x64" is not a Debian architecture/],
  ])('rejects %j', (props, expected) => {
    expect(errorOf(() => AptlyConfig.fromProps(props))).toMatch(expected);
  });

  test('fromFile keeps the raw config but drops rootDir, which the build owns', () => {
    const dir = writeTree({ 'aptly.conf': '{"rootDir": "/opt/.aptly", "downloadConcurrency": 20, "S3PublishEndpoints": {"a": {"region": "x"}}}' });
    const config = AptlyConfig.fromFile(`${dir}/aptly.conf`);
    expect(config.json).toEqual({ downloadConcurrency: 20, S3PublishEndpoints: { a: { region: 'x' } } });
    expect(config.toJsonString()).toContain('"region": "x"');
  });

  test('fromFile names the file and line of a syntax error', () => {
    const dir = writeTree({ 'aptly.conf': '{\n  "a": 1,\n  "b": tru\n}\n' });
    expect(errorOf(() => AptlyConfig.fromFile(`${dir}/aptly.conf`))).toMatch(/aptly\.conf:3: aptly config is not valid JSON: unexpected "tru"/);
    expect(errorOf(() => AptlyConfig.fromFile('/nonexistent/aptly.conf'))).toMatch(/\/nonexistent\/aptly\.conf: cannot read aptly config: ENOENT/);
  });
});
