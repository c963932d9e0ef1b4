import { MirrorSource } from '../../../src';
import { errorOf, writeTree } from '../../support/tree';

const GOOD = `---
name: aptly-example
url: http://repo.mirror.example/
key_url: https://repo.mirror.example/pubkey.txt
components:
  - main
subrepos:
  - distribution: squeeze
    packages:
      - name: aptly
      - name: nginx
        version: 1.22.1-9
  - distribution: bookworm
    packages:
      - name: curl
...
---
name: docker
url: https://download.mirror.example/linux/ubuntu
key_url: https://download.mirror.example/linux/ubuntu/gpg
label: Docker CE
aptly_config: |
  {
    "downloadConcurrency": 20,
    "architectures": ["amd64"]
  }
components:
  - stable
subrepos:
  - distribution: jammy
    packages:
      - name: docker-ce
        version: 5:24.0.7-1~ubuntu.22.04~jammy
...
`;

function load(text: string, options = {}) {
  const dir = writeTree({ 'sources.yaml': text });
  return MirrorSource.fromYamlFile(`${dir}/sources.yaml`, options);
}

describe('MirrorSource.fromYamlFile', () => {
  test('one source per subrepo; version means name (= version)', () => {
    const sources = load(GOOD);
    expect(sources.map(s => s.id)).toEqual(['aptly-example/squeeze', 'aptly-example/bookworm', 'docker/jammy']);
    expect(sources[0].packages).toEqual(['aptly', 'nginx (= 1.22.1-9)']);
    expect(sources[0].components).toEqual(['main']);
    expect(sources[0].url).toBe('http://repo.mirror.example/');
    expect(sources[2].packages).toEqual(['docker-ce (= 5:24.0.7-1~ubuntu.22.04~jammy)']);
    expect(sources[2].label).toBe('Docker CE');
    expect(sources[2].aptlyConfig?.json).toEqual({ downloadConcurrency: 20, architectures: ['amd64'] });
    expect(sources[2].requestedPackageNames).toEqual(['docker-ce']);
  });

  test('aptly_config may be a mapping', () => {
    const text = GOOD.replace(/aptly_config: \|\n(  .*\n)+/, 'aptly_config:\n  architectures: [arm64]\n');
    expect(load(text)[2].aptlyConfig?.json).toEqual({ architectures: ['arm64'] });
  });

  test('reports every problem at once with line and column', () => {
    const text = GOOD
      .replace('url: http://repo.mirror.example/', 'url: ftp://repo.mirror.example/')
      .replace('      - name: curl', '      - name: curl:amd64')
      .replace('  - stable', '  - Stable');
    const msg = errorOf(() => load(text));
    expect(msg).toMatch(/^3 problems in /); // the url problem is shared by both subrepos: reported once
    expect(msg).toMatch(/sources\.yaml:3:6: url "ftp:\/\/repo\.mirror\.example\/" must use http or https/);
    expect(msg).toMatch(/sources\.yaml:15:9: invalid package query "curl:amd64".*curl \{amd64\}/);
    expect(msg).toMatch(/sources\.yaml:28:3: component "Stable"/);
  });

  test('a duplicate subrepo and an unverified aptly_config show up together with other problems', () => {
    const text = GOOD
      .replace('distribution: bookworm', 'distribution: squeeze') // duplicate of the first subrepo
      .replace('      - name: aptly', '      - name: Aptly') // bad query in the first document
      .replace('key_url: https://download.mirror.example/linux/ubuntu/gpg\n', '') // missing key_url in the second
      .replace('"downloadConcurrency": 20,', '"gpgDisableVerify": true,'); // and verification off there
    const msg = errorOf(() => load(text));
    expect(msg).toMatch(/^4 problems in /);
    expect(msg).toMatch(/sources\.yaml:10:9: invalid package query "Aptly"/);
    expect(msg).toMatch(/sources\.yaml:18:1: missing "key_url"/);
    expect(msg).toMatch(/sources\.yaml:\d+:\d+: the aptly config \(.*docker aptly_config\)\) sets "gpgDisableVerify": true/);
    expect(msg).toMatch(/sources\.yaml:13:19: source aptly-example\/squeeze is defined twice \(first at .*sources\.yaml:8:19\): remove one/);
  });

  const bad: [string, string, RegExp][] = [
    ['invalid YAML', 'name: [unclosed\n', /sources\.yaml:\d+:\d+: invalid YAML/],
    ['not a mapping', '- a\n- b\n', /sources\.yaml:1:1: each YAML document must be a mapping/],
    ['unknown key', GOOD.replace('label: Docker CE', 'lable: Docker CE'), /sources\.yaml:21:1: unknown key "lable"/],
    ['missing name', GOOD.replace('name: aptly-example\n', ''), /sources\.yaml:2:1: missing "name"/],
    ['missing url', GOOD.replace('url: http://repo.mirror.example/\n', ''), /missing "url"/],
    ['missing key_url', GOOD.replace('key_url: https://repo.mirror.example/pubkey.txt\n', ''), /missing "key_url"/],
    ['url not a string', GOOD.replace('url: http://repo.mirror.example/', 'url: [a, b]'), /sources\.yaml:3:6: "url" must be a string/],
    ['no components', GOOD.replace('components:\n  - main\n', 'components: []\n'), /sources\.yaml:5:13: no components: list at least one, e\.g\. "main" \(only a flat repository/],
    ['no components and no key_url', GOOD.replace('components:\n  - main\n', '').replace('key_url: https://repo.mirror.example/pubkey.txt\n', ''),
      /^2 problems in [^\n]*\n.*:2:1: missing "key_url"\n.*:2:1: no components: list at least one/s],
    ['components not a list', GOOD.replace('components:\n  - main\n', 'components: main\n'), /sources\.yaml:5:13: "components" must be a list/],
    ['flat repository without a name', GOOD.replace('distribution: bookworm', 'distribution: ./').replace('components:\n  - main\n', ''), /sources\.yaml:11:19: flat repository "\.\/" has no distribution name to be published under: add publish_distribution/],
    ['flat repository with components', GOOD.replace('distribution: bookworm', 'distribution: ./\n    publish_distribution: tools'), /a flat repository \("\.\/"\) has no components: remove "main"/],
    ['publish_distribution of a suite', GOOD.replace('distribution: bookworm', 'distribution: bookworm\n    publish_distribution: stable'), /sources\.yaml:14:27: publish distribution "stable" differs from distribution "bookworm"/],
    ['bad world', GOOD.replace('label: Docker CE', 'world: Jammy'), /sources\.yaml:21:8: world "Jammy" must be/],
    ['broad query', GOOD.replace('      - name: curl', '      - name: "!python3"'), /sources\.yaml:15:9: query "!python3" is a negation.*OR-ed together/],
    ['component not a string', GOOD.replace('  - main', '  - {a: b}'), /each component must be a string/],
    ['no subrepos', GOOD.replace(/subrepos:\n  - distribution: squeeze[\s\S]*?\.\.\.\n/, 'subrepos: []\n...\n'), /"subrepos" must be a non-empty list/],
    ['subrepo not a mapping', GOOD.replace('  - distribution: bookworm\n    packages:\n      - name: curl\n', '  - bookworm\n'), /each subrepo must be a mapping/],
    ['missing distribution', GOOD.replace('  - distribution: bookworm\n', '  - packages_: x\n'), /unknown key "packages_" in subrepo/],
    ['no packages', GOOD.replace('    packages:\n      - name: curl\n', '    packages: []\n'), /"packages" must be a non-empty list/],
    ['package not a mapping', GOOD.replace('      - name: curl', '      - curl'), /sources\.yaml:15:9: each package must be a mapping \{name, version\?\}/],
    ['package missing name', GOOD.replace('      - name: curl', '      - version: "1.0"'), /missing "name"/],
    ['unknown package key', GOOD.replace('      - name: curl', '      - name: curl\n        arch: amd64'), /unknown key "arch" in package/],
    ['version with a space', GOOD.replace('version: 1.22.1-9', 'version: "1.22 1"'), /sources\.yaml:12:18: version "1\.22 1" is not a Debian version: it cannot contain spaces/],
    ['bad version', GOOD.replace('version: 1.22.1-9', 'version: 1.22_amd64'), /invalid package query "nginx \(= 1\.22_amd64\)"/],
    ['shell glob name', GOOD.replace('      - name: curl', '      - name: lib*'), /Name \(% lib\*\)/],
    ['malformed aptly_config', GOOD.replace('"architectures": ["amd64"]', '"architectures": ["amd64"],'), /sources\.yaml:26: aptly_config: aptly config is not valid JSON/],
    ['aptly_config disables verification', GOOD.replace('"downloadConcurrency": 20,', '"gpgDisableVerify": true,'), /"gpgDisableVerify": true.*insecureSkipUpstreamVerification/],
    ['aptly_config bad type', GOOD.replace(/aptly_config: \|\n(  .*\n)+/, 'aptly_config: 5\n'), /"aptly_config" must be a JSON string or a mapping/],
    ['bad distribution', GOOD.replace('distribution: bookworm', 'distribution: bookworm/updates'), /sources\.yaml:13:19: distribution "bookworm\/updates" contains '\/'/],
    ['bad prefix (name)', GOOD.replace('name: docker', 'name: docker ce'), /sources\.yaml:18:7: prefix "docker ce" must be one path segment/],
    ['codename differs', GOOD.replace('label: Docker CE', 'codename: focal'), /codename "focal" differs from distribution "jammy"/],
    ['duplicate subrepo', GOOD.replace('distribution: bookworm', 'distribution: squeeze'), /source aptly-example\/squeeze is defined twice \(first at .*:8:19\): remove one/],
    ['components not strings: reported once', GOOD.replace('  - main', '  - 1'), /^1 problem in .*sources\.yaml:6:5: each component must be a string$/s],
    ['distribution that cannot name a source', GOOD.replace('distribution: bookworm', 'distribution: foo+bar').replace('      - name: curl', '      - name: Curl'),
      /^2 problems in [^\n]*\n.*:13:19: distribution "foo\+bar" names the source too: name "foo\+bar".*\n.*:15:9: invalid package query "Curl"/s],
    ['empty file', '', /no sources found/],
  ];
  test.each(bad)('%s', (_name, text, expected) => {
    expect(errorOf(() => load(text))).toMatch(expected);
  });

  test('a problem in the file is not blamed on an override of another field', () => {
    const text = GOOD.replace('label: Docker CE', `label: ${'x'.repeat(201)}`);
    const msg = errorOf(() => load(text, { overrides: { 'docker/jammy': { allowMissingDependencies: true } } }));
    expect(msg).toMatch(/sources\.yaml:21:8: label must be one non-empty line/);
    expect(msg).not.toContain('overrides[');
    expect(errorOf(() => load(GOOD, { overrides: { 'docker/jammy': { label: '' } } }))).toMatch(/overrides\["docker\/jammy"\]\.label: label must be/);
  });

  test('a flat repository: distribution ./, no components, named by publish_distribution or codename', () => {
    const text = `---
name: kubernetes
url: https://pkgs.k8s.mirror.example/core/stable/v1.30/deb/
key_url: https://pkgs.k8s.mirror.example/core/stable/v1.30/deb/Release.key
world: jammy
subrepos:
  - distribution: ./
    publish_distribution: v1.30
    packages:
      - name: kubectl
...
---
name: obs
url: https://download.mirror.example/repositories/tools/Debian_12/
key_url: https://download.mirror.example/repositories/tools/Debian_12/Release.key
codename: tools
components: []
subrepos:
  - distribution: ./
    packages:
      - name: tool
`;
    const [k8s, obs] = load(text);
    expect([k8s.id, k8s.distribution, k8s.components, k8s.publishDistribution, k8s.world]).toEqual(['kubernetes/v1.30', './', [], 'v1.30', 'jammy']);
    expect(k8s.sourceTxt).toBe('https://pkgs.k8s.mirror.example/core/stable/v1.30/deb/ https://pkgs.k8s.mirror.example/core/stable/v1.30/deb/Release.key ./\n');
    expect([obs.id, obs.publishDistribution, obs.world]).toEqual(['obs/tools', 'tools', undefined]);
  });

  test('a document\'s world applies to all its subrepos', () => {
    const sources = load(GOOD.replace('components:\n  - main\n', 'world: debian\ncomponents:\n  - main\n'));
    expect(sources.map(s => s.world)).toEqual(['debian', 'debian', 'jammy']);
  });

  test('broad queries are allowed by the load options', () => {
    const text = GOOD.replace('      - name: curl', '      - name: curl\n      - name: "!python3"');
    expect(load(text, { allowBroadQueries: true })[1].packages).toEqual(['curl', '!python3']);
    expect(load(text, { overrides: { 'aptly-example/bookworm': { allowBroadQueries: true } } })[1].allowBroadQueries).toBe(true);
  });

  test('an unquoted numeric version keeps its text', () => {
    const sources = load(GOOD.replace('version: 1.22.1-9', 'version: 1.10'));
    expect(sources[0].packages).toContain('nginx (= 1.10)');
  });

  test('override for an unknown source', () => {
    expect(errorOf(() => load(GOOD, { overrides: { 'docker/focal': {} } }))).toMatch(/overrides name source "docker\/focal"/);
  });

  test('a missing file', () => {
    expect(errorOf(() => MirrorSource.fromYamlFile('/nonexistent.yaml'))).toMatch(/\/nonexistent\.yaml: cannot read sources file: ENOENT/);
  });
});
