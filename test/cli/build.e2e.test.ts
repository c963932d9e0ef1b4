/**
 * The air-gap path: `mini-mirror build` on this host (the CLI as a user runs it, in its own
 * process) against a local signed upstream writes an OCI image whose layer holds the signed tree;
 * `mini-mirror synth --prebuilt` with the same options pins that image and has no build Job; that
 * image run as the synthesized Deployment's container serves apt clients with Signed-By.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { run } from './run';
import { AptClient } from '../support/apt-client';
import { FakeUpstream, FakeUpstreamHandle } from '../support/fake-upstream';
import { runPod, RunPodResult } from '../support/pod-runner';
import { registryToolsMissing, startRegistry } from '../support/registry';
import { runChecked, runCommand } from '../support/run-build';
import { generateSigningKey } from '../support/signing-key';

const ROOT = path.join(__dirname, '..', '..');
/** Polls `url` until it answers 200; fails early if the pod ends first. */
async function waitFor(url: string, pod: Promise<RunPodResult>): Promise<void> {
  let ended: RunPodResult | undefined;
  pod.then(r => ended = r, (e: Error) => ended = { results: [{ stdout: '', stderr: e.stack ?? String(e) }] } as any);
  for (let i = 0; i < 100; i++) {
    if (ended) throw new Error(`the server container ended: ${ended.results.map(r => r.stdout + r.stderr).join('\n')}`);
    const r = await runCommand('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '2', url]);
    if (r.stdout.trim() === '200') return;
    await new Promise(res => setTimeout(res, 200));
  }
  throw new Error(`${url} did not answer`);
}

let upstream: FakeUpstreamHandle;
let dir: string;
const toStop: Array<() => Promise<void>> = [];

beforeAll(async () => {
  upstream = await FakeUpstream.start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-cli-build-'));
}, 120_000);

afterAll(async () => {
  for (const stop of toStop.reverse()) await stop();
  await upstream?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('mini-mirror build writes a signed tree and an OCI image for the air-gapped registry; synth --prebuilt serves it', async () => {
  // Inputs as a platform repo has them: a seed sources directory, the key pair as files.
  const sources = path.join(dir, 'sources', 'debian', 'bookworm');
  fs.mkdirSync(sources, { recursive: true });
  fs.writeFileSync(path.join(sources, 'source.txt'), `${upstream.url} ${upstream.keyUrl} bookworm main contrib\n`);
  fs.writeFileSync(path.join(sources, 'packages.txt'), 'chain-a\ncontrib-tool\n');
  const key = await generateSigningKey({ passphrase: 'a passphrase', userId: 'Air Gap <mirror@example.com>' });
  fs.writeFileSync(path.join(dir, 'mirror.pub.asc'), key.publicKey);
  fs.writeFileSync(path.join(dir, 'signing-key.asc'), key.privateKey, { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'passphrase.txt'), 'a passphrase', { mode: 0o600 });
  // The base image as a local OCI layout (no registry on the internet here).
  const base = path.join(dir, 'base');
  await runChecked('umoci', ['init', '--layout', base]);
  await runChecked('umoci', ['new', '--image', `${base}:1`]);

  const common = ['--sources', path.join(dir, 'sources'), '--key-fingerprint', `debian/bookworm=${upstream.fingerprint}`, '--public-key', path.join(dir, 'mirror.pub.asc'), '--passphrase-key', 'passphrase',
    '--image', 'registry.example.com/mini-mirror', '--namespace', 'apt-mirror', '--refresh-epoch', '2026-11-27'];
  const out = path.join(dir, 'out');
  const cli = await runCommand(path.join(ROOT, 'node_modules', '.bin', 'ts-node'), ['--project', path.join(ROOT, 'test', 'tsconfig.json'), '--transpile-only',
    path.join(ROOT, 'src', 'cli', 'main.ts'), 'build', ...common, '--signing-key', path.join(dir, 'signing-key.asc'),
    '--passphrase-file', path.join(dir, 'passphrase.txt'), '--base-image', `oci:${base}:1`, '--out', out], { env: { ...process.env } });
  if (cli.exitCode !== 0) throw new Error(`mini-mirror build failed (exit ${cli.exitCode}):\n${cli.stdout}\n${cli.stderr}`);
  const tagLine = /^built (\S+) \(build ([0-9a-f]{12})\) as oci:(\S+):(\S+)$/m.exec(cli.stdout);
  expect(tagLine).not.toBeNull();
  const [, imageRef, , layout, tag] = tagLine!;
  expect(cli.stdout).toContain(`mini-mirror push --out ${out} --to docker://${imageRef}`);
  expect(layout).toBe(path.join(out, 'oci'));

  // The README's copy step, into a real registry standing in for the air-gapped one.
  if (!registryToolsMissing().length) {
    const registry = await startRegistry();
    toStop.push(() => registry.stop());
    const target = `${registry.host}/mini-mirror:${tag}`;
    const copied = await registry.skopeo('copy', '--dest-tls-verify=false', `oci:${layout}:${tag}`, `docker://${target}`);
    expect(copied.exitCode).toBe(0);
    expect((await registry.inspect(target)).labels['mini-mirror.build-identity']).toMatch(/^[0-9a-f]{64}$/);
  }

  // The image: labelled with the build identity, its layer holds the signed tree at /srv/mirror.
  const bundle = path.join(dir, 'bundle');
  await runChecked('umoci', ['unpack', '--rootless', '--image', `${layout}:${tag}`, bundle]);
  const tree = path.join(bundle, 'rootfs', 'srv', 'mirror');
  const manifest = JSON.parse(fs.readFileSync(path.join(tree, 'manifest.json'), 'utf8'));
  expect(imageRef.endsWith(`:${manifest.buildIdentity.slice(0, 20)}`)).toBe(true);
  expect(manifest.refreshEpoch).toBe('2026-11-27');
  const config = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'));
  expect(JSON.stringify(config)).toContain(manifest.buildIdentity);

  // The serving side, synthesized with the same options: no build Job, that very image.
  const yamlDir = path.join(dir, 'yaml');
  const synth = run('synth', ...common, '--signing-secret', 'mirror-signing', '--base-image', `oci:${base}:1`, '--prebuilt', '--out', yamlDir);
  expect(synth).toMatchObject({ code: 0 });
  expect(synth.out).toContain(`no build Job (--prebuilt), image ${imageRef}`);
  const objects = YAML.parseAllDocuments(fs.readFileSync(path.join(yamlDir, 'mirror.k8s.yaml'), 'utf8')).map(d => d.toJSON());
  expect(objects.filter(o => o.kind === 'Job').map(o => o.metadata.labels['app.kubernetes.io/component'])).toEqual(['smoke-test']);
  const deployment = objects.find(o => o.kind === 'Deployment');
  expect(deployment.spec.template.spec.containers[0].image).toBe(imageRef);

  // The synthesized Deployment's container (the pod runner: its nginx config ConfigMap, its user
  // and read-only root), with the image's tree as the image's own /srv/mirror. apt verifies it
  // with Signed-By.
  fs.chmodSync(bundle, 0o755);
  await runChecked('chmod', ['-R', 'a+rX', path.join(bundle, 'rootfs', 'srv')]);
  for (let d = path.dirname(bundle); d !== path.dirname(d); d = path.dirname(d)) if (d.startsWith(os.tmpdir())) fs.chmodSync(d, 0o755);
  const abort = new AbortController();
  const pod = runPod({
    manifests: objects,
    kind: 'Deployment',
    name: deployment.metadata.name,
    signal: abort.signal,
    timeoutMs: 120_000,
    images: { [imageRef]: { files: { '/srv/mirror': tree } } },
  });
  pod.catch(() => undefined); // its failure is reported by waitFor, or at the end
  toStop.push(async () => {
    abort.abort();
    await pod.then(r => r.cleanup(), () => undefined);
  });
  const served = 'http://127.0.0.1:8080';
  await waitFor(`${served}/healthz`, pod);
  const client = await AptClient.create([{ uri: `${served}/debian`, suite: 'bookworm', components: ['main', 'contrib'], signedBy: key.publicKey }]);
  toStop.push(() => client.dispose());
  await client.update();
  expect((await client.simulateInstall(['chain-a', 'contrib-tool'])).map(p => p.name)).toEqual(expect.arrayContaining(['chain-a', 'chain-b', 'chain-c', 'contrib-tool']));
}, 300_000);

test('GIVEN a base image the host cannot read WHEN mini-mirror build runs THEN it fails within seconds, before any mirroring, and says how to supply the base image', async () => {
  const work = fs.mkdtempSync(path.join(dir, 'nobase-'));
  const sources = path.join(work, 'sources', 'debian', 'bookworm');
  fs.mkdirSync(sources, { recursive: true });
  fs.writeFileSync(path.join(sources, 'source.txt'), `${upstream.url} ${upstream.keyUrl} bookworm main\n`);
  fs.writeFileSync(path.join(sources, 'packages.txt'), 'chain-a\n');
  const key = await generateSigningKey({ userId: 'Air Gap <mirror@example.com>' });
  fs.writeFileSync(path.join(work, 'mirror.pub.asc'), key.publicKey);
  fs.writeFileSync(path.join(work, 'signing-key.asc'), key.privateKey, { mode: 0o600 });
  const out = path.join(work, 'out');
  const missing = `oci:${path.join(work, 'no-such-layout')}:1`;
  const started = Date.now();
  const requestsBefore = upstream.requests.length;
  const cli = await runCommand(path.join(ROOT, 'node_modules', '.bin', 'ts-node'), ['--project', path.join(ROOT, 'test', 'tsconfig.json'), '--transpile-only',
    path.join(ROOT, 'src', 'cli', 'main.ts'), 'build', '--sources', path.join(work, 'sources'), '--key-fingerprint', `debian/bookworm=${upstream.fingerprint}`, '--public-key', path.join(work, 'mirror.pub.asc'),
    '--image', 'registry.example.com/mini-mirror', '--namespace', 'apt-mirror', '--signing-key', path.join(work, 'signing-key.asc'),
    '--base-image', missing, '--out', out], { env: { ...process.env } });
  expect(cli.exitCode).toBe(1);
  expect(cli.stderr).toContain(`mini-mirror: --base-image ${missing} cannot be resolved to a digest: `);
  expect(cli.stderr).toContain('copy it here first (skopeo copy docker://... oci:DIR:TAG) and give --base-image oci:DIR:TAG');
  expect(Date.now() - started).toBeLessThan(60_000);
  expect(upstream.requests.length).toBe(requestsBefore);
  expect(fs.existsSync(out)).toBe(false);
}, 300_000);

test('GIVEN an --out an earlier build made WHEN mini-mirror build runs again THEN it says it replaces public/ and oci/, and the log names the true paths', async () => {
  const work = fs.mkdtempSync(path.join(dir, 'again-'));
  const sources = path.join(work, 'sources', 'debian', 'bookworm');
  fs.mkdirSync(sources, { recursive: true });
  fs.writeFileSync(path.join(sources, 'source.txt'), `${upstream.url} ${upstream.keyUrl} bookworm main\n`);
  fs.writeFileSync(path.join(sources, 'packages.txt'), 'chain-a\n');
  const key = await generateSigningKey({ userId: 'Air Gap <mirror@example.com>' });
  fs.writeFileSync(path.join(work, 'mirror.pub.asc'), key.publicKey);
  fs.writeFileSync(path.join(work, 'signing-key.asc'), key.privateKey, { mode: 0o600 });
  const base = path.join(work, 'base');
  await runChecked('umoci', ['init', '--layout', base]);
  await runChecked('umoci', ['new', '--image', `${base}:1`]);
  const out = path.join(work, 'out');
  const build = () => runCommand(path.join(ROOT, 'node_modules', '.bin', 'ts-node'), ['--project', path.join(ROOT, 'test', 'tsconfig.json'), '--transpile-only',
    path.join(ROOT, 'src', 'cli', 'main.ts'), 'build', '--sources', path.join(work, 'sources'), '--key-fingerprint', `debian/bookworm=${upstream.fingerprint}`, '--public-key', path.join(work, 'mirror.pub.asc'),
    '--image', 'registry.example.com/mini-mirror', '--namespace', 'apt-mirror', '--signing-key', path.join(work, 'signing-key.asc'),
    '--base-image', `oci:${base}:1`, '--out', out], { env: { ...process.env } });

  // The paths the log names are where the results are when the build is done.
  const expectTruePaths = (r: { stdout: string }) => {
    expect(r.stdout).toContain(`published to ${path.join(out, 'public')}\n`);
    expect(r.stdout).toMatch(new RegExp(`^bake-image: wrote \\S+ \\(build [0-9a-f]{12}\\) as oci:${out}/oci:\\S+$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^built \\S+ \\(build [0-9a-f]{12}\\) as oci:${out}/oci:\\S+$`, 'm'));
    expect(r.stdout).not.toContain('workspace');
  };
  const first = await build();
  if (first.exitCode !== 0) throw new Error(`mini-mirror build failed (exit ${first.exitCode}):\n${first.stdout}\n${first.stderr}`);
  expect(first.stdout).not.toContain('replacing');
  expectTruePaths(first);
  const second = await build();
  if (second.exitCode !== 0) throw new Error(`mini-mirror build failed (exit ${second.exitCode}):\n${second.stdout}\n${second.stderr}`);
  expect(second.stdout.split('\n')[0]).toBe(`mini-mirror build: replacing the previous build's public/ and oci/ in ${out}`);
  expectTruePaths(second);
  expect(fs.readdirSync(out).sort()).toEqual(['.mini-mirror-lock', '.mini-mirror-out', 'oci', 'public']);
  expect(fs.existsSync(path.join(out, 'public', 'debian', 'dists', 'bookworm', 'InRelease'))).toBe(true);
}, 300_000);
