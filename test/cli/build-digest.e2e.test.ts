/**
 * The air-gap path by digest: `mini-mirror build` (the CLI in its own process) prints the digest of
 * the OCI image it wrote; copied into a registry with a plain `skopeo copy` the image keeps that
 * digest, and `synth --prebuilt --image-digest` makes the Deployment run `<repository>@<digest>`.
 * The image step is reproducible: the same tree again (other mtimes, other umask) gives the same
 * digest.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { run } from './run';
import { layoutDigest } from '../../src/cli/layout-digest';
import { FakeUpstream, FakeUpstreamHandle } from '../support/fake-upstream';
import { registryToolsMissing, startRegistry } from '../support/registry';
import { runChecked, runCommand } from '../support/run-build';
import { generateSigningKey } from '../support/signing-key';

const ROOT = path.join(__dirname, '..', '..');
const missing = registryToolsMissing();
const testIfTools = missing.length ? test.skip : test;
if (missing.length) process.stdout.write(`SKIPPED build-digest test: ${missing.join(', ')} missing (scripts/install-test-tools.sh)\n`);

let upstream: FakeUpstreamHandle;
let dir: string;

beforeAll(async () => {
  upstream = await FakeUpstream.start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-cli-digest-'));
}, 120_000);

afterAll(async () => {
  await upstream?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs the image step (bake-image-oci.sh) as mini-mirror build does, on a copy of `tree`, into a new layout. */
async function bakeLayout(tree: string, env: Record<string, string>, name: string): Promise<{ stdout: string; digest: string }> {
  const work = path.join(dir, name);
  const workspace = path.join(work, 'workspace');
  const buildDir = path.join(work, 'build');
  fs.mkdirSync(buildDir, { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'assets', 'skopeo-policy.json'), path.join(buildDir, 'skopeo-policy.json'));
  fs.mkdirSync(workspace, { recursive: true });
  // -a: the tree's hard links (aptly's by-hash indexes) are part of it, as in the step's own workspace
  await runChecked('cp', ['-a', tree, path.join(workspace, 'public')]);
  const r = await runCommand('bash', [path.join(ROOT, 'assets', 'bake-image-oci.sh')], {
    env: { ...process.env, MINI_MIRROR_WORKSPACE: workspace, MINI_MIRROR_BUILD_DIR: buildDir, MINI_MIRROR_OCI_LAYOUT: path.join(work, 'oci'), ...env },
  });
  if (r.exitCode !== 0) throw new Error(`bake-image-oci.sh failed: ${r.stdout}\n${r.stderr}`);
  return { stdout: r.stdout, digest: /^image: \S+@(sha256:[0-9a-f]{64})$/m.exec(r.stdout)![1] };
}

testIfTools('mini-mirror build prints the digest; the registry copy keeps it; synth --prebuilt --image-digest runs it; the same tree bakes to the same digest', async () => {
  const sources = path.join(dir, 'sources', 'debian', 'bookworm');
  fs.mkdirSync(sources, { recursive: true });
  fs.writeFileSync(path.join(sources, 'source.txt'), `${upstream.url} ${upstream.keyUrl} bookworm main\n`);
  fs.writeFileSync(path.join(sources, 'packages.txt'), 'chain-a\n');
  const key = await generateSigningKey({ userId: 'Air Gap <mirror@example.com>' });
  fs.writeFileSync(path.join(dir, 'mirror.pub.asc'), key.publicKey);
  fs.writeFileSync(path.join(dir, 'signing-key.asc'), key.privateKey, { mode: 0o600 });
  const base = path.join(dir, 'base');
  await runChecked('umoci', ['init', '--layout', base]);
  await runChecked('umoci', ['new', '--image', `${base}:1`]);

  const common = ['--sources', path.join(dir, 'sources'), '--key-fingerprint', `debian/bookworm=${upstream.fingerprint}`, '--public-key', path.join(dir, 'mirror.pub.asc'),
    '--image', 'registry.example.com/mini-mirror', '--namespace', 'apt-mirror', '--refresh-epoch', '2026-11-27'];
  const out = path.join(dir, 'out');
  const cli = await runCommand(path.join(ROOT, 'node_modules', '.bin', 'ts-node'), ['--project', path.join(ROOT, 'test', 'tsconfig.json'), '--transpile-only',
    path.join(ROOT, 'src', 'cli', 'main.ts'), 'build', ...common, '--signing-key', path.join(dir, 'signing-key.asc'),
    '--base-image', `oci:${base}:1`, '--out', out], { env: { ...process.env } });
  if (cli.exitCode !== 0) throw new Error(`mini-mirror build failed (exit ${cli.exitCode}):\n${cli.stdout}\n${cli.stderr}`);
  const [, imageRef, layout, tag] = /^built (\S+) \(build [0-9a-f]{12}\) as oci:(\S+):(\S+)$/m.exec(cli.stdout)!;
  const digest = layoutDigest(layout, tag)!;
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  // the image step's own last line, and the CLI's summary, both name it
  const lines = cli.stdout.split('\n').filter(l => l === `image: registry.example.com/mini-mirror@${digest}`);
  expect(lines.length).toBe(2);
  expect(cli.stdout).toContain(`mini-mirror synth <the same options> --prebuilt --image-digest ${digest}`);

  // The README's copy step, as printed (no --preserve-digests): the registry holds the same digest.
  const registry = await startRegistry();
  try {
    const target = `${registry.host}/mini-mirror:${tag}`;
    const copied = await registry.skopeo('copy', '--dest-tls-verify=false', `oci:${layout}:${tag}`, `docker://${target}`);
    expect(copied.exitCode).toBe(0);
    expect((await registry.inspect(target)).digest).toBe(digest);
  } finally {
    await registry.stop();
  }

  const yamlDir = path.join(dir, 'yaml');
  const synth = run('synth', ...common, '--signing-secret', 'mirror-signing', '--base-image', `oci:${base}:1`, '--prebuilt', '--image-digest', digest, '--out', yamlDir);
  expect(synth).toMatchObject({ code: 0 });
  expect(synth.out).toContain(`image ${imageRef} (served as @${digest})`);
  const objects = YAML.parseAllDocuments(fs.readFileSync(path.join(yamlDir, 'mirror.k8s.yaml'), 'utf8')).map(d => d.toJSON());
  const pod = objects.find(o => o.kind === 'Deployment').spec.template;
  expect(pod.spec.containers[0].image).toBe(`registry.example.com/mini-mirror@${digest}`);
  expect(pod.metadata.annotations['mini-mirror/image-tag']).toBe(imageRef);

  // The same tree baked again: other mtimes and a restrictive umask on the copy change nothing.
  const identity = /"buildIdentity": "([0-9a-f]+)"/.exec(fs.readFileSync(path.join(out, 'public', 'manifest.json'), 'utf8'))![1];
  const env = { MINI_MIRROR_IMAGE: imageRef, MINI_MIRROR_BASE_IMAGE: `oci:${base}:1`, MINI_MIRROR_BUILD_IDENTITY: identity };
  const again = await bakeLayout(path.join(out, 'public'), env, 'again');
  expect(again.digest).toBe(digest);
  const touched = path.join(dir, 'touched-tree');
  await runChecked('cp', ['-a', path.join(out, 'public'), touched]);
  await runChecked('find', [touched, '-exec', 'touch', '-d', '2030-01-01', '{}', '+']);
  await runChecked('chmod', ['-R', 'go-rwx', touched]);
  expect((await bakeLayout(touched, env, 'touched')).digest).toBe(digest);
  // an explicit epoch (what a runner or CLI may pass) is a different image: the times are in it
  const epoch = await bakeLayout(path.join(out, 'public'), { ...env, MINI_MIRROR_SOURCE_DATE_EPOCH: '1700000000' }, 'epoch');
  expect(epoch.digest).not.toBe(digest);
  expect(epoch.stdout).toContain('timestamps 2023-11-14T22:13:20Z');
}, 300_000);
