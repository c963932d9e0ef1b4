/**
 * A rollback through a real registry (Debian's docker-registry on 127.0.0.1, TLS with a private CA
 * the host trusts via SSL_CERT_FILE): build A, `mini-mirror push`, build B, push, then the README's
 * `--rollback-to docker://REGISTRY/REPOSITORY:TAG` command as written (A's --out is gone by then:
 * the tree can only come from the registry), and push the rollback. Each build is served from the
 * pushed image pulled back (skopeo copy + umoci unpack) behind nginx with the synthesized config;
 * one apt client keeps its lists (Signed-By) across all three.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RunningNginx } from '../serving/nginx-process';
import { AptClient } from '../support/apt-client';
import { FileServerHandle } from '../support/archive-server';
import { writeCliInputs } from '../support/cli-inputs';
import { runMiniMirror } from '../support/cli-process';
import { FakeWorldHandle } from '../support/fake-world';
import { downloadDebs, mirrorClient } from '../support/mirror-client';
import { registryToolsMissing, RegistryHandle, startRegistry } from '../support/registry';
import { startRollbackUpstream } from '../support/rollback-upstream';
import { runChecked, RunResult } from '../support/run-build';
import { serveFromRegistry, startServedMirror } from '../support/served-mirror';
import { stopAll } from '../support/stop-all';

const ROOT = path.join(__dirname, '..', '..');
const README = path.join(ROOT, 'README.md');
const missing = registryToolsMissing();
const maybe = missing.length ? test.skip : test;

let world: FakeWorldHandle;
let upstream: FileServerHandle;
let upstreamServes: (state: 'a' | 'b') => void;
let registry: RegistryHandle;
let nginx: RunningNginx;
let dir: string;
let served: string;
let certs: string;
let common: string[];
let mirrorKey: string;
let env: NodeJS.ProcessEnv;
/** Build B's image tag, once the first test built it. */
let tagB: string | undefined;
const clients: AptClient[] = [];

beforeAll(async () => {
  if (missing.length) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-rollback-registry-'));
  ({ world, server: upstream, serves: upstreamServes } = await startRollbackUpstream(dir));
  registry = await startRegistry({ tls: true });
  // The host trusts the registry's private CA next to the system's, as an admin adds it (Go reads SSL_CERT_FILE).
  const bundle = path.join(dir, 'ca-bundle.crt');
  fs.writeFileSync(bundle, fs.readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8') + registry.caPem!);
  env = { ...process.env, SSL_CERT_FILE: bundle };
  certs = path.join(dir, 'certs');
  fs.mkdirSync(certs);
  fs.writeFileSync(path.join(certs, 'ca.crt'), registry.caPem!);
  ({ common, mirrorKey } = await writeCliInputs(dir, upstream.url, world.keys.archive.fingerprint));
  ({ served, nginx } = await startServedMirror(dir));
}, 180_000);

afterAll(() => stopAll([nginx, ...clients, registry, upstream, world], dir));

/** `mini-mirror <command>` in its own process, in `dir`, trusting the registry's CA. */
async function cli(command: string, args: string[]): Promise<RunResult> {
  const r = await runMiniMirror([command, ...args], { cwd: dir, timeoutMs: 300_000, env });
  if (r.exitCode !== 0) throw new Error(`mini-mirror ${command} ${args.join(' ')} failed (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** The tag `mini-mirror build` printed (built REPOSITORY:TAG). */
function builtTag(r: RunResult): string {
  const m = /^built registry\.example\.com\/mini-mirror:(\S+) /m.exec(r.stdout);
  if (!m) throw new Error(`no "built" line in:\n${r.stdout}`);
  return m[1];
}

/** Serves what the registry holds under `tag` behind nginx. */
function serveTag(tag: string): Promise<void> {
  return serveFromRegistry(registry, `${registry.host}/mini-mirror:${tag}`, { dir, served, skopeoTls: ['--src-cert-dir', certs] });
}

/** The README's registry rollback command and the push after it, placeholders replaced by this test's. */
function readmeRegistryCommands(oldTag: string): { rollback: string[]; push: string[] } {
  const lines = fs.readFileSync(README, 'utf8').split('\n').map(l => l.trim());
  const at = lines.findIndex(l => l.startsWith('npx mini-mirror build ') && l.includes('--rollback-to') && l.includes('docker://'));
  if (at < 0) throw new Error('README.md gives no `npx mini-mirror build ... --rollback-to docker://...` command');
  expect(lines[at + 1]).toMatch(/^npx mini-mirror push /);
  const words = (line: string) => line.split(/\s+/).slice(3)
    .flatMap(w => w === '"${OPTIONS[@]}"' ? common : [w.replace(/^"(.*)"$/, '$1').replace('registry.airgap.example', registry.host).replace('$OLD_TAG', oldTag)]);
  const rollback = words(lines[at]);
  expect(rollback).toContain(`docker://${registry.host}/mini-mirror:${oldTag}`);
  return { rollback, push: words(lines[at + 1]) };
}

maybe('a rollback from the registry: the client that kept its lists updates without warning, gets A\'s packages, B\'s has no candidate', async () => {
  const packagesTxt = path.join(dir, 'sources', 'debian', 'bookworm', 'packages.txt');
  const to = `docker://${registry.host}/mini-mirror`;
  fs.writeFileSync(packagesTxt, 'app\n');
  const tagA = builtTag(await cli('build', [...common, '--out', 'build-a']));
  await cli('push', ['--out', 'build-a', '--to', to]);
  const manifestA = JSON.parse(fs.readFileSync(path.join(dir, 'build-a/public/manifest.json'), 'utf8'));
  await serveTag(tagA);
  const stateful = await mirrorClient(nginx.url, mirrorKey);
  clients.push(stateful);
  await stateful.update();
  expect(await downloadDebs(stateful, ['app'])).toEqual(['app_1.1_amd64.deb', 'libapp_2.0_amd64.deb']);

  upstreamServes('b');
  fs.writeFileSync(packagesTxt, 'app\nextra\n');
  tagB = builtTag(await cli('build', [...common, '--out', 'build-b', '--previous-manifest', 'build-a/public/manifest.json']));
  await cli('push', ['--out', 'build-b', '--to', to]);
  await serveTag(tagB);
  await stateful.update();
  expect(await downloadDebs(stateful, ['extra', 'app'])).toEqual(['app_1.2_amd64.deb', 'extra_1.0_amd64.deb', 'libapp_2.0_amd64.deb']);

  // A's --out is gone: only the registry has its tree now.
  fs.rmSync(path.join(dir, 'build-a'), { recursive: true });
  const { rollback, push } = readmeRegistryCommands(tagA);
  const upstreamAsked = upstream.requests.length;
  const tmpBefore = fs.readdirSync(os.tmpdir()).filter(f => f.startsWith('mini-mirror-rollback-'));
  const r = await cli('build', rollback);
  expect(upstream.requests.slice(upstreamAsked)).toEqual([]);
  // The fetched image and its tree are removed.
  expect(fs.readdirSync(os.tmpdir()).filter(f => f.startsWith('mini-mirror-rollback-'))).toEqual(tmpBefore);
  const tagR = builtTag(r);
  expect(tagR).toMatch(/^rollback-[0-9a-f]{16}$/);
  const pushed = await cli('push', push);
  expect(pushed.stdout).toContain(`pushed ${registry.host}/mini-mirror:${tagR}`);
  await serveTag(tagR);

  const update = await stateful.update();
  expect(update.stdout).toMatch(/Get:\d+ \S+ bookworm InRelease/);
  expect(await downloadDebs(stateful, ['app'])).toEqual(['app_1.1_amd64.deb', 'libapp_2.0_amd64.deb']);
  expect(await stateful.policy('extra')).not.toMatch(/Candidate: 1\.0/);
  const manifest = JSON.parse(fs.readFileSync(path.join(served, 'manifest.json'), 'utf8'));
  expect(manifest.rollbackOf).toEqual({ buildIdentity: manifestA.buildIdentity, builtAt: manifestA.builtAt });
}, 1_200_000);

maybe('a registry image that is not a mirror build, or a tag that does not exist, is refused with what to give', async () => {
  const plain = path.join(dir, 'plain');
  await runChecked('umoci', ['init', '--layout', plain]);
  await runChecked('umoci', ['new', '--image', `${plain}:1`]);
  const copied = await registry.skopeo('copy', '--quiet', '--dest-cert-dir', certs, `oci:${plain}:1`, `docker://${registry.host}/other:1`);
  expect(copied.exitCode).toBe(0);
  const run = (ref: string) => runMiniMirror(['build', ...common, '--rollback-to', ref, '--src-cert-dir', certs,
    '--previous-manifest', path.join(dir, 'mirror.pub.asc'), '--out', path.join(dir, 'never')], { timeoutMs: 120_000 });
  const tmpBefore = fs.readdirSync(os.tmpdir()).filter(f => f.startsWith('mini-mirror-rollback-'));
  const notMirror = await run(`docker://${registry.host}/other:1`);
  expect(notMirror.exitCode).toBe(1);
  expect(notMirror.stderr).toContain(`--rollback-to docker://${registry.host}/other:1 holds no mirror build (no /srv/mirror/manifest.json in the image)`);
  expect(notMirror.stderr).not.toMatch(/\n\s+at /);
  const noTag = await run(`docker://${registry.host}/other:nope`);
  expect(noTag.exitCode).toBe(1);
  expect(noTag.stderr).toContain(`--rollback-to docker://${registry.host}/other:nope: cannot fetch the image`);
  const untagged = await run(`docker://${registry.host}/other`);
  expect(untagged.stderr).toContain('is not an image with its tag');
  expect(fs.existsSync(path.join(dir, 'never'))).toBe(false);
  // The fetched images are removed when the rollback is refused too.
  expect(fs.readdirSync(os.tmpdir()).filter(f => f.startsWith('mini-mirror-rollback-'))).toEqual(tmpBefore);
}, 180_000);

maybe('--rollback-to oci:DIR:TAG takes the tree from an OCI layout (a build\'s oci/ carried in)', async () => {
  expect(tagB).toBeDefined();
  await cli('build', [...common, '--rollback-to', `oci:build-b/oci:${tagB}`, '--previous-manifest', 'build-rollback/public/manifest.json', '--out', 'build-oci']);
  const manifestB = JSON.parse(fs.readFileSync(path.join(dir, 'build-b/public/manifest.json'), 'utf8'));
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'build-oci/public/manifest.json'), 'utf8'));
  expect(manifest.rollbackOf).toEqual({ buildIdentity: manifestB.buildIdentity, builtAt: manifestB.builtAt });
  expect(manifest.packages.map((p: any) => p.name).sort()).toEqual(['app', 'extra', 'libapp']);
  const missingLayout = await runMiniMirror(['build', ...common, '--rollback-to', `oci:${path.join(dir, 'nowhere')}:1`,
    '--previous-manifest', path.join(dir, 'build-b/public/manifest.json'), '--out', path.join(dir, 'never')], { timeoutMs: 120_000 });
  expect(missingLayout.exitCode).toBe(1);
  expect(missingLayout.stderr).toContain(`${path.join(dir, 'nowhere')} is not an OCI layout (no index.json)`);
}, 600_000);
