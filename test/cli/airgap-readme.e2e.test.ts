/**
 * The README's air-gap commands, run as written: the ```sh block of "The air gap" section, in bash,
 * in a directory with the inputs it names (./sources, the key files). Only the world outside is
 * replaced: both registry hosts by one real registry on 127.0.0.1 (Debian's docker-registry over
 * TLS with a private CA that the host trusts, as an admin would add it: SSL_CERT_FILE), the upstream by a local signed
 * fake upstream (its URL in ./sources, its key's fingerprint for the README's example one), and
 * `npx mini-mirror` by this checkout's CLI. Then: the registry holds the build, pushing again is
 * "nothing to do", and the YAML names no image outside the air-gapped registry.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { AIRGAP_HOSTS, airGapCommands, README_FINGERPRINT } from './readme-commands';
import { run } from './run';
import { FakeUpstream, FakeUpstreamHandle } from '../support/fake-upstream';
import { pushBaseImage, registryToolsMissing, RegistryHandle, startRegistry } from '../support/registry';
import { runChecked, runCommand } from '../support/run-build';
import { generateSigningKey } from '../support/signing-key';

const ROOT = path.join(__dirname, '..', '..');
const missing = registryToolsMissing();
const maybe = missing.length ? test.skip : test;

let upstream: FakeUpstreamHandle;
let registry: RegistryHandle;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-readme-'));
  upstream = await FakeUpstream.start();
  if (missing.length) return;
  registry = await startRegistry({ tls: true });
  // The host trusts the registry's private CA next to the system's (Go's TLS reads SSL_CERT_FILE).
  const bundle = path.join(dir, 'ca-bundle.crt');
  fs.writeFileSync(bundle, fs.readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8') + registry.caPem!);
  // `npx mini-mirror` runs this checkout's CLI, as npx runs an installed package's bin.
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'npx'), `#!/bin/sh\n[ "$1" = mini-mirror ] || exit 99\nshift\nexec "${path.join(ROOT, 'node_modules', '.bin', 'ts-node')}" --project "${path.join(ROOT, 'test', 'tsconfig.json')}" --transpile-only "${path.join(ROOT, 'src', 'cli', 'main.ts')}" "$@"\n`, { mode: 0o755 });
  env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, SSL_CERT_FILE: bundle };
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  await upstream?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The README's commands with only the outside world replaced. */
function script(): string {
  let text = airGapCommands(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
  for (const host of AIRGAP_HOSTS) text = text.split(host).join(registry.host);
  return text.split(README_FINGERPRINT).join(upstream.fingerprint);
}

maybe('the README\'s air-gap commands build, push (write-once) and synthesize a mirror that pulls nothing from outside', async () => {
  const work = path.join(dir, 'work');
  const sources = path.join(work, 'sources', 'debian', 'bookworm');
  fs.mkdirSync(sources, { recursive: true });
  fs.writeFileSync(path.join(sources, 'source.txt'), `${upstream.url} ${upstream.keyUrl} bookworm main contrib\n`);
  fs.writeFileSync(path.join(sources, 'packages.txt'), 'chain-a\n');
  const key = await generateSigningKey({ passphrase: 'a passphrase', userId: 'Air Gap <mirror@example.com>' });
  fs.writeFileSync(path.join(work, 'mirror.pub.asc'), key.publicKey);
  fs.writeFileSync(path.join(work, 'signing-key.asc'), key.privateKey, { mode: 0o600 });
  fs.writeFileSync(path.join(work, 'passphrase.txt'), 'a passphrase', { mode: 0o600 });
  await pushBaseImage(registry, 'nginx-unprivileged:1.27.3-bookworm');

  const commands = script();
  expect(commands).toContain('mini-mirror push');
  const first = await runCommand('bash', ['-euo', 'pipefail', '-c', commands], { cwd: work, env, timeoutMs: 240_000 });
  if (first.exitCode !== 0) throw new Error(`the README's commands failed (exit ${first.exitCode}):\n${first.stdout}\n${first.stderr}`);
  const [, imageRef, identity] = /^pushed (\S+) \(build ([0-9a-f]{12})\)$/m.exec(first.stdout) ?? [];
  expect(imageRef).toMatch(new RegExp(`^${registry.host}/mini-mirror:[0-9a-f]{20}$`));
  const held = await registry.inspect(imageRef);
  expect(held.labels['mini-mirror.build-identity'].slice(0, 12)).toBe(identity);

  // The serving side: no build Job, and every image in the air-gapped registry.
  const yaml = path.join(work, 'dist', 'mirror.k8s.yaml');
  const objects = YAML.parseAllDocuments(fs.readFileSync(yaml, 'utf8')).map(d => d.toJSON());
  expect(objects.filter(o => o.kind === 'Job').map(o => o.metadata.labels['app.kubernetes.io/component'])).toEqual(['smoke-test']);
  expect(objects.find(o => o.kind === 'Deployment').spec.template.spec.containers[0].image).toBe(imageRef);
  const images = JSON.stringify(objects).match(/"image":"[^"]+"/g)!.map(i => i.slice(9, -1));
  expect(images.length).toBeGreaterThan(1);
  for (const image of images) expect(image.startsWith(`${registry.host}/`)).toBe(true);
  expect(first.stderr).toContain(`images the YAML names (the cluster pulls them from their registries): ${imageRef}, ${registry.host}/debian:bookworm-slim`);
  expect(first.stderr).not.toContain('is not in');
  expect(first.stderr).toMatch(/note: --signing-key, --passphrase-file only matter to mini-mirror build: ignored/);

  // The same commands again: the same build, so the tag is found and nothing is pushed.
  const again = await runCommand('bash', ['-euo', 'pipefail', '-c', commands], { cwd: work, env, timeoutMs: 240_000 });
  if (again.exitCode !== 0) throw new Error(`the README's commands failed the second time (exit ${again.exitCode}):\n${again.stdout}\n${again.stderr}`);
  expect(again.stdout).toContain(`${imageRef} already holds build ${identity}`);
  expect(again.stdout).toContain('nothing to do');
  expect((await registry.inspect(imageRef)).digest).toBe(held.digest);
}, 600_000);

maybe('synth --prebuilt: the --base-image digest is part of the build identity (two base images, two tags); without the image flags it warns', async () => {
  const work = path.join(dir, 'bases');
  const sources = path.join(work, 'sources', 'debian', 'bookworm');
  fs.mkdirSync(sources, { recursive: true });
  fs.writeFileSync(path.join(sources, 'source.txt'), `${upstream.url} ${upstream.keyUrl} bookworm main\n`);
  fs.writeFileSync(path.join(sources, 'packages.txt'), 'chain-a\n');
  const one = await pushBaseImage(registry, 'base-one:1');
  // Another base image: the same one with one more label, so another digest.
  const layout = path.join(work, 'base-two');
  await runChecked('umoci', ['init', '--layout', layout]);
  await runChecked('umoci', ['new', '--image', `${layout}:1`]);
  await runChecked('umoci', ['config', '--image', `${layout}:1`, '--config.label', 'variant=two']);
  const two = `${registry.host}/base-two:1`;
  expect((await registry.skopeo('copy', '--dest-tls-verify=false', `oci:${layout}:1`, `docker://${two}`)).exitCode).toBe(0);
  expect((await registry.inspect(two)).digest).not.toBe((await registry.inspect(one)).digest);
  const prev = process.env.SSL_CERT_FILE;
  process.env.SSL_CERT_FILE = env.SSL_CERT_FILE;
  try {
    const synth = (base: string, ...more: string[]) => run('synth', '--sources', path.join(work, 'sources'), '--key-fingerprint', `debian/bookworm=${upstream.fingerprint}`,
      '--insecure-unsigned', '--image', `${registry.host}/mini-mirror`, '--namespace', 'apt-mirror', '--prebuilt', '--base-image', base, '--out', path.join(work, 'dist'), ...more);
    const a = synth(one, '--smoke-test-image', `${registry.host}/debian:bookworm-slim`);
    const b = synth(two, '--smoke-test-image', `${registry.host}/debian:bookworm-slim`);
    const aAgain = synth(one, '--smoke-test-image', `${registry.host}/debian:bookworm-slim`);
    for (const r of [a, b, aAgain]) if (r.code !== 0) throw new Error(`synth failed: ${r.err}`);
    const tag = (r: { out: string }) => /image (\S+:[0-9a-f]{20})/.exec(r.out)![1];
    expect(tag(a)).not.toBe(tag(b));
    expect(tag(aAgain)).toBe(tag(a));
    // Without --smoke-test-image the smoke test's image is Docker Hub's: warned, naming the flag.
    const warned = synth(one);
    expect(warned.code).toBe(0);
    expect(warned.err).toContain(`warning: docker.io/library/debian:bookworm-slim is not in ${registry.host} (the --image registry): an air-gapped cluster cannot pull it; copy it there and give --smoke-test-image the copy`);
    // An unreachable base image: a clear error within seconds.
    const started = Date.now();
    const gone = synth(`${registry.host}/no-such-base:1`);
    expect(gone.code).toBe(1);
    expect(gone.err).toContain(`--base-image ${registry.host}/no-such-base:1 cannot be resolved to a digest`);
    expect(Date.now() - started).toBeLessThan(40_000);
  } finally {
    if (prev === undefined) delete process.env.SSL_CERT_FILE;
    else process.env.SSL_CERT_FILE = prev;
  }
}, 120_000);
