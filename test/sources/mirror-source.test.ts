import { AptlyConfig, MirrorSource, MirrorSourceProps, PackageQuery } from '../../src';
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
    expect(config.json).toMatchObject({ architectures: ['amd64'], dependencyFollowRecommends: true, gpgDisableVerify: false });
    // not limited unless asked: a downloadConcurrency limits the build's own downloads too
    expect(config.json).not.toHaveProperty('downloadConcurrency');
    expect(AptlyConfig.fromProps({ downloadConcurrency: 2 }).json).toMatchObject({ downloadConcurrency: 2 });
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
    const dir = writeTree({ 'aptly.conf': '{"rootDir": "/opt/.aptly", "downloadConcurrency": 20, "ppaCodename": "x"}' });
    const config = AptlyConfig.fromFile(`${dir}/aptly.conf`);
    expect(config.json).toEqual({ downloadConcurrency: 20, ppaCodename: 'x' });
    expect(config.toJsonString()).toContain('"ppaCodename": "x"');
  });

  test('fromFile names the file and line of a syntax error', () => {
    const dir = writeTree({ 'aptly.conf': '{\n  "a": 1,\n  "b": tru\n}\n' });
    expect(errorOf(() => AptlyConfig.fromFile(`${dir}/aptly.conf`))).toMatch(/aptly\.conf:3: aptly config is not valid JSON: unexpected "tru"/);
    expect(errorOf(() => AptlyConfig.fromFile('/nonexistent/aptly.conf'))).toMatch(/\/nonexistent\/aptly\.conf: cannot read aptly config: ENOENT/);
  });
});

describe('flat repositories', () => {
  const FLAT: MirrorSourceProps = { ...BASE, prefix: 'vendor', name: 'tools', url: 'http://vendor.mirror.example/deb/', distribution: './', components: [], packages: ['tool'] };

  test('GIVEN "./" and no components THEN source.txt has three words and the source is published under its name with main', () => {
    const source = new MirrorSource(FLAT);
    expect(source.sourceTxt).toBe('http://vendor.mirror.example/deb/ https://debian.mirror.example/key.asc ./\n');
    expect(source.flat).toBe(true);
    expect(source.publishDistribution).toBe('tools');
    expect(source.publishComponents).toEqual(['main']);
    expect(source.world).toBeUndefined();
    expect(new MirrorSource({ ...FLAT, distribution: 'stable/amd64/', publishDistribution: 'stable' }).publishDistribution).toBe('stable');
  });

  test('a non-flat source is published under its distribution with its components', () => {
    const source = new MirrorSource(BASE);
    expect([source.flat, source.publishDistribution, source.publishComponents]).toEqual([false, 'bookworm', ['main', 'contrib']]);
  });

  test.each([
    [{ components: ['main'] }, /components: a flat repository \("\.\/"\) has no components: remove "main" \(it is published with the component "main"\)/],
    [{ distribution: '../up/' }, /distribution: flat repository directory "\.\.\/up\/" must be "\.\/" or a relative directory/],
    [{ distribution: '/srv/' }, /flat repository directory "\/srv\/" must be/],
    [{ distribution: 'a/../b/' }, /flat repository directory "a\/\.\.\/b\/" must be/],
    [{ publishDistribution: 'stable updates' }, /publishDistribution: publish distribution "stable updates" must start with a letter or digit/],
  ])('rejects %j', (override, expected) => {
    expect(errorOf(() => new MirrorSource({ ...FLAT, ...override }))).toMatch(expected);
  });

  test('a non-flat source needs components and cannot be published under another name', () => {
    expect(errorOf(() => new MirrorSource({ ...BASE, components: [] }))).toMatch(/components: no components: list at least one, e\.g\. "main" \(only a flat repository, distribution "\.\/", has none\)/);
    expect(errorOf(() => new MirrorSource({ ...BASE, publishDistribution: 'stable' }))).toMatch(
      /publishDistribution: publish distribution "stable" differs from distribution "bookworm": only a flat repository \(distribution ending in '\/'\) is published under a name of its own; remove it/);
    expect(new MirrorSource({ ...BASE, publishDistribution: 'bookworm' }).publishDistribution).toBe('bookworm');
  });

  test('checkUnique compares published distributions', () => {
    const flat = new MirrorSource({ ...FLAT, prefix: 'debian', name: 'bookworm' });
    expect(errorOf(() => MirrorSource.checkUnique([new MirrorSource(BASE), flat]))).toMatch(/source debian\/bookworm is defined twice/);
    const other = new MirrorSource({ ...FLAT, prefix: 'debian', name: 'vendor' });
    expect(() => MirrorSource.checkUnique([new MirrorSource(BASE), other])).not.toThrow();
  });
});

describe('security archive and components', () => {
  test('bookworm-security main is taken as written', () => {
    const source = new MirrorSource({ ...BASE, distribution: 'bookworm-security', components: ['main'] });
    expect(source.sourceTxt).toContain(' bookworm-security main\n');
    expect(source.world).toBe('bookworm');
  });

  test('updates/main, as the security Release lists it, gets advice to write main', () => {
    expect(errorOf(() => new MirrorSource({ ...BASE, distribution: 'bookworm-security', components: ['updates/main'] }))).toMatch(
      /components\[0\]: component "updates\/main" names a path of the archive: write "main" \(e\.g\. "bookworm-security main", as apt clients write it\)/);
  });

  test('bookworm/updates as a distribution gets advice', () => {
    expect(errorOf(() => new MirrorSource({ ...BASE, distribution: 'bookworm/updates' }))).toMatch(
      /distribution "bookworm\/updates" contains '\/', which aptly cannot publish: write the suite "bookworm" and put "updates" into the components/);
  });
});

describe('worlds and architectures of a source', () => {
  test('the world is derived from the distribution unless given', () => {
    expect(new MirrorSource({ ...BASE, distribution: 'Bookworm-Updates' }).world).toBe('bookworm');
    expect(new MirrorSource({ ...BASE, world: 'trixie' }).world).toBe('trixie');
    expect(errorOf(() => new MirrorSource({ ...BASE, world: 'Bookworm' }))).toMatch(/world: world "Bookworm" must be at most 63 lowercase letters, digits, '\.', '\+' and '-'/);
  });

  test('spreading a source derives again what was derived, and keeps what was given', () => {
    const derived = new MirrorSource(BASE);
    expect(new MirrorSource({ ...derived, distribution: 'jammy-updates' } as MirrorSourceProps).world).toBe('jammy');
    const given = new MirrorSource({ ...BASE, world: 'custom' });
    expect(new MirrorSource({ ...given, distribution: 'jammy' } as MirrorSourceProps).world).toBe('custom');
    const flat = new MirrorSource({ ...BASE, distribution: './', components: [], publishDistribution: 'stable' });
    expect(new MirrorSource({ ...flat, name: 'other' } as MirrorSourceProps).publishDistribution).toBe('stable');
  });

  test('a spread source\'s internals and stray keys are not carried into the copy', () => {
    const first = new MirrorSource(BASE);
    const copy = new MirrorSource({ ...first, distribution: 'trixie', stray: 'x' } as unknown as MirrorSourceProps);
    const checked = (copy as unknown as { checked: object }).checked;
    expect(Object.keys(checked)).not.toEqual(expect.arrayContaining(['checked']));
    expect(Object.keys(checked)).not.toContain('stray');
    expect(Object.keys(checked)).not.toContain('packageNames');
    expect(copy.distribution).toBe('trixie');
    expect(copy.packages).toEqual(first.packages);
  });

  test.each([
    [['all'], /architectures\[0\]: "all" is not a client architecture: arch:all packages are mirrored with every architecture/],
    [['amd64', 'source'], /architectures\[1\]: "source" is not a client architecture: set downloadSourcePackages/],
  ])('architectures %j are refused', (architectures, expected) => {
    expect(errorOf(() => new MirrorSource({ ...BASE, architectures }))).toMatch(expected);
  });

  test('an aptly config listing "all" is refused', () => {
    expect(errorOf(() => AptlyConfig.fromJson({ architectures: ['amd64', 'all'] }))).toMatch(/"all" is not a client architecture/);
    expect(errorOf(() => AptlyConfig.fromProps({ architectures: ['all'] }))).toMatch(/"all" is not a client architecture/);
  });
});

describe('broad queries', () => {
  test.each([
    ['!python3', 1],
    ['!(a1 | b1)', 1],
    ['Name (% *)', 9],
    ['$Architecture (% *)', 18],
    ['Section (~ .*)', 12],
    ['nginx | !python3', 1],
    ['Priority (optional)', 11],
    ['Name (~ [a-z0-9])', 9],
    ['$Architecture (all)', 16],
  ])('%s is refused with its column and advice', (query, column) => {
    const msg = errorOf(() => new MirrorSource({ ...BASE, packages: ['nginx', query] }));
    expect(msg).toContain(`packages[1]: query "${query}" `);
    expect(msg).toContain('the queries of a source are OR-ed together, so this one alone would mirror (nearly) the whole archive');
    expect(msg).toContain("combine conditions in one query with ',' (e.g. 'Priority (required), !python3')");
    expect(msg).toContain('or set allowBroadQueries on the source');
    expect(PackageQuery.parse(query).broad?.column).toBe(column);
  });

  test('a negation combined with a selection is fine, and allowBroadQueries accepts the rest', () => {
    expect(new MirrorSource({ ...BASE, packages: ['Priority (required), !python3'] }).packages).toEqual(['Priority (required), !python3']);
    expect(new MirrorSource({ ...BASE, packages: ['!python3'], allowBroadQueries: true }).allowBroadQueries).toBe(true);
  });
});
