/**
 * Never go backwards silently: the synthesized Job's mirror step against one upstream URL whose
 * content changes between builds (all states genuinely signed by the same upstream key, as a
 * replay would be), with the previous build's manifest.json read over HTTP from nginx serving
 * that build's tree (what the mirror's Service serves in a cluster).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { MiniMirror, MirrorSource, PreviousManifest, ReleaseSigning } from '../../../src';
import { run } from '../../cli/run';
import { AptClient } from '../../support/apt-client';
import { NginxHandle, startNginx } from '../../support/nginx';
import { BuildResult, BuildSourceSpec, BuildSpec, removeBuild, runBuild } from '../../support/run-build';
import { BOOKWORM } from '../../support/source-props';
import { A_DATE, OLDER_DATE, startSwitchableUpstream, State, SwitchableUpstream } from '../../support/switchable-upstream';
import { cachedTestKey } from '../../support/test-keys';
import { errorOf } from '../../support/tree';

let upstream: SwitchableUpstream;
let previous: NginxHandle;
let empty: NginxHandle;
let dir: string;
let aManifest: string;
const builds: string[] = [];

function source(extra: Partial<BuildSourceSpec> = {}): BuildSourceSpec {
  return {
    prefix: 'debian',
    name: 'bookworm',
    url: upstream.url,
    keyUrl: upstream.keyUrl,
    distribution: 'bookworm',
    components: ['main'],
    packages: ['app'],
    ...extra,
  };
}

async function build(state: State, extra: Partial<BuildSpec> & { source?: Partial<BuildSourceSpec> } = {}): Promise<BuildResult> {
  upstream.serve(state);
  const key = await cachedTestKey();
  const r = await runBuild({
    signing: { mode: 'key', privateKey: key.privateKey, publicKey: key.publicKey, fingerprint: key.fingerprint },
    defaultAptlyConf: {},
    sources: [source(extra.source)],
    previousManifest: extra.previousManifest ?? PreviousManifest.fromUrl(`${previous.url}/manifest.json`),
  });
  builds.push(r.rootDir);
  return r;
}

function manifestOf(r: BuildResult): any {
  return JSON.parse(fs.readFileSync(path.join(r.publicDir, 'manifest.json'), 'utf8'));
}

beforeAll(async () => {
  upstream = await startSwitchableUpstream();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-downgrade-'));

  // Build A: the first build, with no previous build to compare with.
  const a = await build('a', { previousManifest: PreviousManifest.none() });
  if (a.exitCode !== 0) throw new Error(`build A failed:\n${a.stdout}\n${a.stderr}`);
  expect(a.stdout).toMatch(/WARNING: no previous build is compared: a replayed or frozen upstream/);
  aManifest = path.join(dir, 'a.json');
  fs.copyFileSync(path.join(a.publicDir, 'manifest.json'), aManifest);
  // A's tree as the mirror serves it; nginx as the serving side runs it.
  fs.chmodSync(a.rootDir, 0o755);
  fs.chmodSync(a.workspace, 0o755);
  previous = await startNginx(a.publicDir);
  fs.mkdirSync(path.join(dir, 'empty'));
  empty = await startNginx(path.join(dir, 'empty'));
}, 240_000);

afterAll(async () => {
  await previous?.stop();
  await empty?.stop();
  await upstream?.stop();
  for (const b of builds) await removeBuild(b);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the previous build is the memory', () => {
  test('build A recorded what the check needs: the Release Date and every package', () => {
    const m = JSON.parse(fs.readFileSync(aManifest, 'utf8'));
    expect(m.upstreams).toEqual([expect.objectContaining({ prefix: 'debian', name: 'bookworm', url: upstream.url, distribution: 'bookworm', releaseDate: A_DATE })]);
    expect(m.packages.map((p: any) => `${p.component} ${p.name} ${p.version} ${p.architecture}`).sort()).toEqual(['main app 1.1 amd64', 'main libapp 2.0 amd64']);
  });

  test('an older signed Release (a replay) is refused before any package is downloaded, naming both dates', async () => {
    const before = upstream.requests.length;
    const r = await build('older');
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`debian/bookworm: the upstream Release of ${upstream.url} bookworm is dated ${OLDER_DATE}, older than the one the previous build mirrored (${A_DATE})`);
    expect(r.stderr).toMatch(/a replayed or frozen upstream Release; nothing was published\. set allowDowngrade on the source/);
    expect(r.stderr).toMatch(/BUILD FAILED \(exit 1\): nothing was written to/);
    expect(fs.existsSync(r.publicDir)).toBe(false);
    expect(upstream.requests.slice(before).filter(p => p.includes('/pool/'))).toEqual([]);
  }, 240_000);

  test('a newer Release with a package version lower than last time is refused, naming the package', async () => {
    const r = await build('down');
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/1 package version went down since the previous build \(http:\/\/127\.0\.0\.1:\d+\/manifest\.json\) in debian\/bookworm: app amd64 \(world bookworm: debian\/bookworm\) 1\.1 -> 1\.0: a replayed or frozen upstream; nothing was published\. set allowDowngrade/);
    expect(r.stderr).toMatch(/^ {2}\| debian\/bookworm: app amd64 \(world bookworm: debian\/bookworm\) 1\.1 -> 1\.0$/m);
    expect(fs.existsSync(r.publicDir)).toBe(false);
  }, 240_000);

  test('with allowDowngrade the same build goes on with a warning, and diff marks the downgrade', async () => {
    const r = await build('down', { source: { allowDowngrade: true } });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^WARNING: debian\/bookworm: package app amd64 \(world bookworm: debian\/bookworm\) went down from 1\.1 to 1\.0; going on because the source sets allowDowngrade$/m);
    expect(manifestOf(r).packages.find((p: any) => p.name === 'app').version).toBe('1.0');
    const newFile = path.join(dir, 'down.json');
    fs.copyFileSync(path.join(r.publicDir, 'manifest.json'), newFile);
    const text = run('diff', aManifest, newFile);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^ {2}bookworm {2}app amd64 {2}1\.1 -> 1\.0 {2}\[DOWNGRADE\]$/m);
    expect(text.out).toMatch(/^ {2}bookworm {2}libapp amd64 {2}2\.0 -> 2\.1$/m);
    expect(text.out).toMatch(/^DOWNGRADES: 1 package went down, 0 upstream Releases older than in the old build$/m);
    const failing = run('diff', aManifest, newFile, '--fail-on-downgrade');
    expect(failing.code).toBe(3);
    expect(failing.err).toMatch(/the new build went back in time: 1 package downgrade, 0 older upstream Releases/);
  }, 240_000);

  test('an older Release with allowDowngrade builds with a warning naming both dates; diff lists the older Release', async () => {
    const r = await build('older', { source: { allowDowngrade: true } });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`WARNING: debian/bookworm: the upstream Release of ${upstream.url} bookworm is dated ${OLDER_DATE}, older than the one the previous build mirrored (${A_DATE}); going on because the source sets allowDowngrade`);
    const newFile = path.join(dir, 'older.json');
    fs.copyFileSync(path.join(r.publicDir, 'manifest.json'), newFile);
    const d = JSON.parse(run('diff', aManifest, newFile, '--json').out);
    expect(d.olderReleases).toEqual([{ place: 'debian/bookworm', url: upstream.url, oldUrl: upstream.url, distribution: 'bookworm', oldDate: A_DATE, newDate: OLDER_DATE }]);
    expect(d.downgraded.map((c: any) => c.name)).toEqual(['app']);
    expect(run('diff', aManifest, newFile, '--fail-on-downgrade', '--json').code).toBe(3);
  }, 240_000);

  test('an ordinary update (newer Date, higher versions) passes the check', async () => {
    const r = await build('newer');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/previous build: http:\/\/127\.0\.0\.1:\d+\/manifest\.json \(1 upstream, 2 packages\): refusing downgrades/);
    expect(r.stdout).toMatch(/no package version went down since the previous build/);
    const newFile = path.join(dir, 'newer.json');
    fs.copyFileSync(path.join(r.publicDir, 'manifest.json'), newFile);
    expect(run('diff', aManifest, newFile, '--fail-on-downgrade').code).toBe(0);
  }, 240_000);

  test('no previous manifest (404 at the URL): the first build goes on and says so', async () => {
    const r = await build('older', { previousManifest: PreviousManifest.fromUrl(`${empty.url}/manifest.json`) });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`no previous manifest at ${empty.url}/manifest.json: first build, nothing to compare`);
  }, 240_000);

  test('an unparsable previous manifest fails the build instead of skipping the check', async () => {
    fs.writeFileSync(path.join(dir, 'empty', 'manifest.json'), '<html>maintenance</html>');
    try {
      const r = await build('a', { previousManifest: PreviousManifest.fromUrl(`${empty.url}/manifest.json`) });
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/the previous manifest at http:\/\/127\.0\.0\.1:\d+\/manifest\.json is not JSON .*: it must be the manifest\.json a build wrote/);
      expect(fs.existsSync(r.publicDir)).toBe(false);
    } finally {
      fs.rmSync(path.join(dir, 'empty', 'manifest.json'));
    }
  }, 240_000);
});

describe('in the cluster', () => {
  test('by default the build reads the manifest its own Service serves, and the NetworkPolicy lets the build pod in', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'apt-mirror' });
    const sources = [new MirrorSource({ ...BOOKWORM, packages: ['app'] })];
    const mirror = new MiniMirror(chart, 'mirror', {
      sources,
      signing: ReleaseSigning.insecureUnsigned(),
      image: { repository: 'registry.example.com/mini-mirror' },
      serving: { servicePort: 8888, networkPolicy: { ingressControllerNamespace: 'ingress-nginx' } },
    });
    const objects = Testing.synth(chart);
    const config = JSON.parse(objects.find(o => o.kind === 'ConfigMap' && o.data?.['build.json']).data['build.json']);
    expect(config.previousManifest).toBe('http://mirror-server.apt-mirror.svc.cluster.local:8888/manifest.json');
    expect(config.previousManifest).toBe(`${mirror.server.serviceUrl()}/manifest.json`);
    expect(config.sources[0].allowDowngrade).toBeUndefined(); // written only when set
    const job = objects.find(o => o.kind === 'Job' && o.metadata.labels['app.kubernetes.io/component'] === 'build');
    const policy = objects.find(o => o.kind === 'NetworkPolicy');
    const peers = policy.spec.ingress[0].from.map((p: any) => p.podSelector?.matchLabels).filter(Boolean);
    const buildPeer = peers.find((l: any) => l['app.kubernetes.io/component'] === 'build');
    expect(buildPeer).toBeDefined();
    for (const [k, v] of Object.entries(buildPeer)) expect(job.spec.template.metadata.labels[k]).toBe(v);
  });

  test('PreviousManifest.none() writes null and opens nothing; fromUrl refuses credentials', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'apt-mirror' });
    new MiniMirror(chart, 'mirror', {
      sources: [new MirrorSource({ ...BOOKWORM, packages: ['app'] })],
      signing: ReleaseSigning.insecureUnsigned(),
      image: { repository: 'registry.example.com/mini-mirror' },
      buildJob: { previousManifest: PreviousManifest.none() },
      serving: { networkPolicy: { ingressControllerNamespace: 'ingress-nginx' } },
    });
    const objects = Testing.synth(chart);
    expect(JSON.parse(objects.find(o => o.kind === 'ConfigMap' && o.data?.['build.json']).data['build.json']).previousManifest).toBeNull();
    const peers = objects.find(o => o.kind === 'NetworkPolicy').spec.ingress[0].from;
    expect(peers.some((p: any) => p.podSelector?.matchLabels?.['app.kubernetes.io/component'] === 'build')).toBe(false);
    expect(() => PreviousManifest.fromUrl('http://user:secret@mirror.example.com/manifest.json')).toThrow(/contains credentials/);
    expect(errorOf(() => PreviousManifest.fromUrl('ftp://user:hunter2@mirror.example.com/manifest.json'))).not.toContain('hunter2');
    expect(() => PreviousManifest.fromUrl('https://s3.example.com/b/manifest.json?X-Amz-Signature=SECRETSIG')).toThrow(/has a query string/);
    expect(() => PreviousManifest.fromUrl('ftp://mirror.example.com/manifest.json')).toThrow(/must use http or https/);
  });
});

describe("apt's own view", () => {
  test('a client that keeps its lists ignores the older Release: it still sees what it had', async () => {
    const client = await AptClient.create([{ uri: upstream.url, suite: 'bookworm', components: ['main'], signedBy: upstream.armoredKey }]);
    try {
      upstream.serve('a');
      await client.update();
      expect(await client.versions('app')).toEqual(['1.1']);
      upstream.serve('older');
      const r = await client.apt('apt-get', ['update']);
      // apt fetches the replayed InRelease, says nothing (exit 0, no warning) and keeps the newer
      // lists it has: the replay does not take the client back, and the user is not told either.
      expect(r).toMatchObject({ exitCode: 0, stderr: '' });
      expect(r.stdout).toMatch(/^Get:1 \S+ bookworm InRelease/m);
      expect(r.stdout).not.toMatch(/^(W|E|Err):/m);
      expect(await client.versions('app')).toEqual(['1.1']);
      const lists = path.join(client.root, 'var/lib/apt/lists');
      const kept = fs.readdirSync(lists).filter(f => f.endsWith('_InRelease')).map(f => fs.readFileSync(path.join(lists, f), 'utf8'));
      expect(kept).toEqual([expect.stringContaining(`Date: ${A_DATE}`)]);
    } finally {
      await client.dispose();
      upstream.serve('a');
    }
  }, 120_000);
});
