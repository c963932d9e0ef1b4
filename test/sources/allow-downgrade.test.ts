/**
 * `allowDowngrade` through the whole stack: props, YAML (`allow_downgrade`), per-source
 * overrides, the CLI's `--allow-downgrade`, build.json as the construct writes it and as the
 * runner reads it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { MiniMirror, MirrorSource, PreviousManifest, ReleaseSigning } from '../../src';
import { readBuildConfig } from '../../src/runner/build-json-reader';
import { run } from '../cli/run';
import { BOOKWORM } from '../support/source-props';
import { errorOf, writeTree } from '../support/tree';

const YAML_SOURCES = `---
name: debian
url: http://debian.mirror.example/debian
key_url: https://debian.mirror.example/key.asc
components: [main]
subrepos:
  - distribution: bookworm
    packages:
      - name: curl
  - distribution: bookworm-updates
    allow_downgrade: true
    packages:
      - name: curl
---
name: vendor
url: http://vendor.mirror.example/deb
key_url: https://vendor.mirror.example/key.asc
allow_downgrade: true
components: [main]
subrepos:
  - distribution: stable
    packages:
      - name: tool
  - distribution: testing
    allow_downgrade: false
    packages:
      - name: tool
`;

/** build.json of a MiniMirror synthesized from these sources. */
function buildJsonOf(sources: MirrorSource[], previousManifest?: PreviousManifest): any {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'apt-mirror' });
  new MiniMirror(chart, 'mirror', {
    sources,
    signing: ReleaseSigning.insecureUnsigned(),
    image: { repository: 'registry.example.com/mini-mirror' },
    buildJob: previousManifest ? { previousManifest } : undefined,
  });
  const cm = Testing.synth(chart).find(o => o.kind === 'ConfigMap' && o.data?.['build.json']);
  return JSON.parse(cm.data['build.json']);
}

describe('allowDowngrade', () => {
  test('props: false unless set; build.json carries it per source', () => {
    expect(new MirrorSource(BOOKWORM).allowDowngrade).toBe(false);
    const allowed = new MirrorSource({ ...BOOKWORM, prefix: 'other', allowDowngrade: true });
    expect(allowed.allowDowngrade).toBe(true);
    const json = buildJsonOf([new MirrorSource(BOOKWORM), allowed]);
    expect(json.sources.map((s: any) => [s.prefix, s.allowDowngrade])).toEqual([['debian', undefined], ['other', true]]);
  });

  test('YAML: allow_downgrade per subrepo, or for every subrepo of a document (a subrepo\'s own value wins)', () => {
    const dir = writeTree({ 'sources.yaml': YAML_SOURCES });
    const sources = MirrorSource.fromYamlFile(path.join(dir, 'sources.yaml'));
    expect(sources.map(s => [s.id, s.allowDowngrade])).toEqual([
      ['debian/bookworm', false], ['debian/bookworm-updates', true], ['vendor/stable', true], ['vendor/testing', false],
    ]);
  });

  test('YAML: a value that is not a boolean is reported at its line', () => {
    const dir = writeTree({ 'sources.yaml': YAML_SOURCES.replace('    allow_downgrade: true\n', '    allow_downgrade: yes please\n') });
    expect(errorOf(() => MirrorSource.fromYamlFile(path.join(dir, 'sources.yaml')))).toMatch(/sources\.yaml:11:22: "allow_downgrade" must be true or false/);
  });

  test('directory layout: only through overrides', () => {
    const dir = writeTree({
      'debian/bookworm/source.txt': 'http://debian.mirror.example/debian https://debian.mirror.example/key.asc bookworm main\n',
      'debian/bookworm/packages.txt': 'curl\n',
    });
    expect(MirrorSource.fromDirectory(dir)[0].allowDowngrade).toBe(false);
    expect(MirrorSource.fromDirectory(dir, { overrides: { 'debian/bookworm': { allowDowngrade: true } } })[0].allowDowngrade).toBe(true);
  });

  test('CLI: --allow-downgrade ID reaches build.json; a wrong id is reported', () => {
    const dir = writeTree({
      'sources/debian/bookworm/source.txt': 'http://debian.mirror.example/debian https://debian.mirror.example/key.asc bookworm main\n',
      'sources/debian/bookworm/packages.txt': 'curl\n',
    });
    const checked = run('check', path.join(dir, 'sources'), '--allow-downgrade', 'debian/bookworm');
    expect(checked.code).toBe(0);
    expect(checked.err).toBe('warning: debian/bookworm may go back in time against the previous build (--allow-downgrade): drop the option once the intended roll-back is built');
    const out = path.join(dir, 'yaml');
    const synth = run('synth', '--sources', path.join(dir, 'sources'), '--insecure-unsigned', '--image', 'registry.example.com/mini-mirror',
      '--namespace', 'apt-mirror', '--allow-downgrade', 'debian/bookworm', '--out', out);
    expect(synth.code).toBe(0);
    const yaml = fs.readFileSync(path.join(out, fs.readdirSync(out).find(f => f.endsWith('.k8s.yaml'))!), 'utf8');
    expect(yaml).toMatch(/"allowDowngrade":true/);
    expect(yaml).toContain('"previousManifest": "http://mirror-server.apt-mirror.svc.cluster.local/manifest.json"');
    const bad = run('check', path.join(dir, 'sources'), '--allow-downgrade', 'bookworm');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('mini-mirror: --allow-downgrade "bookworm" does not name a source: give <source id>');
    expect(run('synth', '--help').out).toMatch(/--allow-downgrade ID {8}build source ID even when upstream went back in time/);
  });
});

describe('build.json: previousManifest', () => {
  test('the served mirror by default, a URL, or null', () => {
    const sources = [new MirrorSource(BOOKWORM)];
    expect(buildJsonOf(sources).previousManifest).toBe('http://mirror-server.apt-mirror.svc.cluster.local/manifest.json');
    expect(buildJsonOf(sources, PreviousManifest.fromUrl('https://mirror.example.com/manifest.json')).previousManifest).toBe('https://mirror.example.com/manifest.json');
    expect(buildJsonOf(sources, PreviousManifest.none()).previousManifest).toBeNull();
  });

  test('the runner reads both fields with defaults (a build.json from before they existed)', () => {
    const written = buildJsonOf([new MirrorSource({ ...BOOKWORM, allowDowngrade: true })]);
    const dir = writeTree({ 'new.json': JSON.stringify(written) });
    const config = readBuildConfig(path.join(dir, 'new.json'));
    expect(config.previousManifest).toBe('http://mirror-server.apt-mirror.svc.cluster.local/manifest.json');
    expect(config.sources[0].allowDowngrade).toBe(true);
    const { previousManifest: _p, ...older } = written;
    const oldDir = writeTree({ 'old.json': JSON.stringify({ ...older, sources: older.sources.map(({ allowDowngrade: _a, ...s }: any) => s) }) });
    const oldConfig = readBuildConfig(path.join(oldDir, 'old.json'));
    expect(oldConfig.previousManifest).toBeNull();
    expect(oldConfig.sources[0].allowDowngrade).toBe(false);
  });
});
