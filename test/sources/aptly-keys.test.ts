// aptly ignores keys it does not know: a typo, a differently cased key (which Go's decoder
// would still apply) or a file that is no aptly config at all is refused at synth and check.
import { AptlyConfig, MirrorSource } from '../../src';
import { APTLY_1_5_KEYS } from '../../src/sources/aptly-keys';
import { run } from '../cli/run';
import { errorOf, writeTree } from '../support/tree';

function withConfig(config: string): string {
  return writeTree({
    'debian/bookworm/source.txt': 'http://debian.mirror.example/debian https://debian.mirror.example/key.asc bookworm main\n',
    'debian/bookworm/packages.txt': 'nginx\n',
    'debian/bookworm/aptly.conf': config,
  });
}

describe('aptly.conf keys', () => {
  test('a misspelt key: refused at its line with a suggestion', () => {
    const dir = withConfig('{\n  "architectures": ["amd64"],\n  "dependencyFollowRecomends": true\n}\n');
    expect(errorOf(() => MirrorSource.fromDirectory(dir)))
      .toContain(`${dir}/debian/bookworm/aptly.conf:3: aptly config "dependencyFollowRecomends" is no aptly 1.5 setting (aptly would ignore it): did you mean "dependencyFollowRecommends"? remove or correct it`);
  });

  test('the right letters in another case: refused (aptly would apply it), with the exact spelling', () => {
    const dir = withConfig('{ "GPGDisableVerify": true }');
    const r = run('check', dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/aptly\.conf:1: aptly config "GPGDisableVerify" is no aptly 1\.5 setting .*did you mean "gpgDisableVerify"\?/);
  });

  test('a docker config.json in its place: refused, its hosts and tokens not shown', () => {
    const token = 'cHVzaGVyOnMzY3IzdFQwa2Vu';
    const dir = withConfig(JSON.stringify({ auths: { 'registry.example.com': { auth: token } } }));
    const r = run('check', dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/aptly config "auths" is no aptly 1\.5 setting/);
    expect(r.err).not.toContain(token);
    const keyed = run('check', withConfig(JSON.stringify({ 'https://registry.example.com/v1/': { auth: token } })));
    expect(keyed.err).toMatch(/aptly config has a key that is no aptly 1\.5 setting \(not shown\)/);
    expect(keyed.err).not.toContain('registry.example.com');
  });

  test('publishing endpoints are refused: the build never uses them, and their credentials would land in a ConfigMap', () => {
    const dir = withConfig('{ "S3PublishEndpoints": { "x": { "awsSecretAccessKey": "s3cr3t" } } }');
    const msg = errorOf(() => MirrorSource.fromDirectory(dir));
    expect(msg).toMatch(/aptly config "S3PublishEndpoints" configures a publishing target, which the build never uses/);
    expect(msg).not.toContain('s3cr3t');
  });

  test('YAML aptly_config and AptlyConfig.fromJson/fromFile get the same check', () => {
    const file = `${writeTree({ 'sources.yaml': 'name: d\nurl: http://d.mirror.example/\nkey_url: https://d.mirror.example/k\naptly_config:\n  downloadConcurency: 2\ncomponents: [main]\nsubrepos:\n  - distribution: bookworm\n    packages:\n      - name: nginx\n' })}/sources.yaml`;
    expect(errorOf(() => MirrorSource.fromYamlFile(file))).toMatch(/sources\.yaml:5: aptly_config: aptly config "downloadConcurency" is no aptly 1\.5 setting .*did you mean "downloadConcurrency"\?/);
    expect(errorOf(() => AptlyConfig.fromJson({ architecture: ['amd64'] }))).toMatch(/did you mean "architectures"\?/);
  });

  test('every key of aptly 1.5.0 but the publishing endpoints is accepted', () => {
    const accepted = APTLY_1_5_KEYS.filter(k => !k.endsWith('PublishEndpoints'));
    const json = Object.fromEntries(accepted.map(k => [k, k === 'architectures' ? ['amd64'] : /^(gpg|skip|download(Source))/.test(k) && k !== 'gpgProvider' ? false : 'x']));
    expect(() => AptlyConfig.fromJson(json)).not.toThrow();
    expect(accepted).toHaveLength(23);
  });
});
