/**
 * `mini-mirror push` against a real registry (Debian's docker-registry on 127.0.0.1): the OCI
 * layouts are made as bake-image-oci.sh makes them (umoci, the build identity label), so push sees
 * what a build leaves in --out/oci. Write-once: the same build twice is nothing to do, another build
 * under the tag is refused and the tag's digest stays.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { run } from './run';
import { registryToolsMissing, RegistryHandle, startRegistry } from '../support/registry';
import { runChecked } from '../support/run-build';

const LABEL = 'mini-mirror.build-identity';
let registry: RegistryHandle;
let dir: string;
const missing = registryToolsMissing();
const maybe = missing.length ? test.skip : test;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-push-'));
  if (!missing.length) registry = await startRegistry();
}, 60_000);

afterAll(async () => {
  await registry?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A build's --out with oci/ holding one image under `tag`, labelled with `identity`, with `content` in its layer. */
async function fakeBuildOut(name: string, tag: string, identity: string, content: string): Promise<string> {
  const out = path.join(dir, name);
  const layout = path.join(out, 'oci');
  fs.mkdirSync(out);
  await runChecked('umoci', ['init', '--layout', layout]);
  await runChecked('umoci', ['new', '--image', `${layout}:${tag}`]);
  const file = path.join(dir, `${name}-manifest.json`);
  fs.writeFileSync(file, content);
  await runChecked('umoci', ['insert', '--rootless', '--image', `${layout}:${tag}`, file, '/srv/mirror/manifest.json']);
  await runChecked('umoci', ['config', '--image', `${layout}:${tag}`, '--config.label', `${LABEL}=${identity}`]);
  return out;
}

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

maybe('push copies the build, then finds it again: nothing to do', async () => {
  const out = await fakeBuildOut('one', 'tag1', A, '{"buildIdentity":"a"}');
  const to = `docker://${registry.host}/mini-mirror:tag1`;
  const first = run('push', '--out', out, '--to', to, '--dest-tls-verify=false');
  expect(first.err).toBe('');
  expect(first.code).toBe(0);
  expect(first.out).toContain(`pushed ${registry.host}/mini-mirror:tag1 (build ${A.slice(0, 12)})`);
  const held = await registry.inspect(`${registry.host}/mini-mirror:tag1`);
  expect(held.labels[LABEL]).toBe(A);
  expect(first.out).toContain(`image: ${registry.host}/mini-mirror@${held.digest}`);

  // Without a tag: the layout's own.
  const again = run('push', '--out', out, '--to', `docker://${registry.host}/mini-mirror`, '--dest-tls-verify=false');
  expect(again.code).toBe(0);
  expect(again.out).toContain('nothing to do');
  expect((await registry.inspect(`${registry.host}/mini-mirror:tag1`)).digest).toBe(held.digest);
}, 120_000);

maybe('push of another build under an existing tag is refused, naming both; the registry is unchanged', async () => {
  const first = await fakeBuildOut('two-a', 'tag2', A, '{"buildIdentity":"a"}');
  const other = await fakeBuildOut('two-b', 'tag2', B, '{"buildIdentity":"b"}');
  const to = `docker://${registry.host}/mini-mirror:tag2`;
  expect(run('push', '--out', first, '--to', to, '--dest-tls-verify=false').code).toBe(0);
  const before = await registry.inspect(`${registry.host}/mini-mirror:tag2`);

  const refused = run('push', '--out', other, '--to', to, '--dest-tls-verify=false');
  expect(refused.code).toBe(1);
  expect(refused.err).toContain(`already holds build ${A.slice(0, 12)} (${before.digest}), not this build ${B.slice(0, 12)}`);
  expect(refused.err).toContain('registry is unchanged');
  expect(refused.err).not.toMatch(/\n\s+at /); // no stack trace
  const after = await registry.inspect(`${registry.host}/mini-mirror:tag2`);
  expect(after.digest).toBe(before.digest);
  expect(after.labels[LABEL]).toBe(A);
}, 120_000);

maybe('a registry that does not answer fails within seconds, with what to check', async () => {
  const out = await fakeBuildOut('three', 'tag3', A, '{}');
  const started = Date.now();
  // A TLS client against the plain-HTTP registry: it answers, but not what skopeo needs.
  const r = run('push', '--out', out, '--to', `docker://${registry.host}/mini-mirror:tag3`, '--timeout', '20');
  expect(r.code).toBe(1);
  expect(r.err).toContain(`cannot tell what ${registry.host}/mini-mirror:tag3 holds`);
  expect(r.err).toContain('--dest-tls-verify=false');
  expect(Date.now() - started).toBeLessThan(25_000);
}, 60_000);

test('bad input: every problem at once, no registry asked', () => {
  const r = run('push', '--out', path.join(os.tmpdir(), 'mm-push-none'), '--to', 'registry.example.com/mini-mirror', '--dest-tls-verify=maybe', '--dest-authfile', '/nonexistent/auth.json');
  expect(r.code).toBe(1);
  expect(r.err).toContain('--to "registry.example.com/mini-mirror" is not a registry repository');
  expect(r.err).toContain('--dest-tls-verify "maybe" must be true or false');
  expect(r.err).toContain('--dest-authfile /nonexistent/auth.json does not exist');
  expect(r.err).toContain('has no image');
  expect(run('push', '--to', 'docker://registry.example.com/m:t').code).toBe(2);
});

maybe('push to a TLS registry with a private CA: refused without --dest-cert-dir, pushed with it', async () => {
  const tls = await startRegistry({ tls: true });
  try {
    const out = await fakeBuildOut('four', 'tag4', A, '{}');
    const certs = path.join(dir, 'certs');
    fs.mkdirSync(certs);
    fs.writeFileSync(path.join(certs, 'ca.crt'), tls.caPem!);
    const to = `docker://${tls.host}/mini-mirror:tag4`;
    const untrusted = run('push', '--out', out, '--to', to, '--timeout', '20');
    expect(untrusted.code).toBe(1);
    expect(untrusted.err).toMatch(/certificate signed by unknown authority/);
    const pushed = run('push', '--out', out, '--to', to, '--dest-cert-dir', certs);
    expect(pushed.err).toBe('');
    expect(pushed.code).toBe(0);
    expect((await tls.inspect(`${tls.host}/mini-mirror:tag4`)).labels[LABEL]).toBe(A);
  } finally {
    await tls.stop();
  }
}, 120_000);
