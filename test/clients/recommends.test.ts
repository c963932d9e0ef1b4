import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { AptlyConfig, ClientConfig, MirrorSource, MirrorSourceProps } from '../../src';
import { run } from '../cli/run';
import { objectOf, synthMirror, testSources } from '../serving/fixtures';

const buildJsonOf = (manifests: any[]) => JSON.parse(manifests.find((o) => o.kind === 'ConfigMap' && o.data?.['build.json']).data['build.json']);
const recommendsBySource = (manifests: any[]) => Object.fromEntries(buildJsonOf(manifests).sources.map((s: any) => [`${s.prefix}/${s.name}`, s.recommends !== false])); // absent: the reader's default, true

describe('GIVEN a mirror with default options', () => {
  const { manifests, mirror } = synthMirror();

  test('THEN every source follows Recommends (apt installs them by default)', () => {
    expect(recommendsBySource(manifests)).toEqual({ 'debian/bookworm': true, 'vendor/tools': true });
  });

  test('THEN the clients get no apt.conf.d fragment: apt\'s default is the mirror\'s', () => {
    expect(mirror.clientConfig.aptConfFileNames).toEqual([]);
    expect(Object.keys(objectOf(manifests, 'ConfigMap', 'mirror-client').data).filter((k) => k.endsWith('.conf'))).toEqual([]);
  });
});

describe('GIVEN recommends: false', () => {
  const { manifests, mirror } = synthMirror({ props: { recommends: false } });
  const client = objectOf(manifests, 'ConfigMap', 'mirror-client');

  test('THEN no source follows Recommends', () => {
    expect(recommendsBySource(manifests)).toEqual({ 'debian/bookworm': false, 'vendor/tools': false });
  });

  test('THEN the client ConfigMap has the fragment that turns Recommends off, and says where it goes', () => {
    expect(mirror.clientConfig.aptConfFileNames).toEqual([ClientConfig.NO_RECOMMENDS_FILE]);
    expect(ClientConfig.NO_RECOMMENDS_FILE).toBe('99mini-mirror-no-recommends.conf');
    const text: string = client.data[ClientConfig.NO_RECOMMENDS_FILE];
    expect(text.split('\n').filter((l) => l && !l.startsWith('//'))).toEqual(['APT::Install-Recommends "false";']);
  });

  test('THEN the smoke test mounts the fragment beside the .sources files, so it installs as the clients do', () => {
    const job = objectOf(manifests, 'Job', mirror.smokeTest!.jobName);
    const volume = job.spec.template.spec.volumes.find((v: any) => v.name === 'client');
    expect(volume.configMap.items.map((i: any) => i.key)).toEqual(['debian-bookworm.sources', 'vendor-trixie.sources', '99mini-mirror-no-recommends.conf']);
  });

  test('THEN the build, the client files and the smoke test change names (Jobs are immutable)', () => {
    const defaults = synthMirror();
    expect(mirror.contentHash).not.toBe(defaults.mirror.contentHash);
    expect(mirror.smokeTest!.jobName).not.toBe(defaults.mirror.smokeTest!.jobName);
  });
});

describe('GIVEN a source whose aptly config sets dependencyFollowRecommends', () => {
  const [debian, vendor] = testSources();
  const withConfig = (config: AptlyConfig) => [debian, new MirrorSource({ ...vendor, aptlyConfig: config } as MirrorSourceProps)];

  test('THEN true follows Recommends for that source even with recommends: false (its clients still do not want them)', () => {
    const sources = withConfig(AptlyConfig.fromProps({ dependencyFollowRecommends: true }));
    const { manifests, mirror } = synthMirror({ props: { recommends: false, sources } });
    expect(recommendsBySource(manifests)).toEqual({ 'debian/bookworm': false, 'vendor/tools': true });
    expect(mirror.clientConfig.aptConfFileNames).toEqual([ClientConfig.NO_RECOMMENDS_FILE]);
  });

  test('THEN false (aptly\'s default, in most copied configs) does not turn them off for one source: clients install every package\'s Recommends', () => {
    const { manifests } = synthMirror({ props: { sources: withConfig(AptlyConfig.fromJson({ dependencyFollowRecommends: false })) } });
    expect(recommendsBySource(manifests)).toEqual({ 'debian/bookworm': true, 'vendor/tools': true });
  });

  test('THEN a default aptly config with true follows them for every source without its own config', () => {
    const defaultAptlyConfig = AptlyConfig.fromProps({ dependencyFollowRecommends: true });
    const { manifests } = synthMirror({ props: { recommends: false, defaultAptlyConfig } });
    expect(recommendsBySource(manifests)).toEqual({ 'debian/bookworm': true, 'vendor/tools': true });
  });
});

describe('mini-mirror synth --no-recommends', () => {
  const ROOT = path.join(__dirname, '..', '..');
  const args = ['--sources', path.join(ROOT, 'examples', 'sources'), '--signing-secret', 'mirror-signing', '--public-key', path.join(ROOT, 'examples', 'mirror.pub.asc'),
    '--image', 'registry.example.com/mini-mirror', '--namespace', 'apt-mirror'];
  const synthesize = (...extra: string[]) => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-rec-cli-'));
    try {
      const r = run('synth', ...args, '--out', out, ...extra);
      expect(r).toMatchObject({ code: 0, err: '' });
      return YAML.parseAllDocuments(fs.readFileSync(path.join(out, 'mirror.k8s.yaml'), 'utf8')).map((d) => d.toJSON());
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  };

  test('turns Recommends off for the build and the clients', () => {
    const off = synthesize('--no-recommends');
    expect(Object.values(recommendsBySource(off)).every((r) => r === false)).toBe(true);
    expect(objectOf(off, 'ConfigMap', 'mirror-client').data[ClientConfig.NO_RECOMMENDS_FILE]).toContain('APT::Install-Recommends "false";');
    const on = synthesize();
    expect(Object.values(recommendsBySource(on)).every((r) => r === true)).toBe(true);
  });

  test('takes no value', () => {
    expect(run('synth', ...args, '--no-recommends=yes')).toMatchObject({ code: 2, err: expect.stringContaining('--no-recommends takes no value') });
  });
});
