/**
 * A rollback that apt clients with state follow (`mini-mirror build --rollback-to`): build A, then
 * B (A + a package), then A's packages again, each served by nginx with the synthesized config.
 * One client keeps its lists across builds and follows every step with a plain `apt-get update`;
 * another stays one build behind during each rollout and still downloads what its lists name
 * (the previous build's pool files are kept for one generation). The rollback command is the one
 * the README gives, run as written.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseRelease } from '../../src/runner/upstream/release';
import { objectOf, synthMirror } from '../serving/fixtures';
import { RunningNginx, startNginx } from '../serving/nginx-process';
import { AptClient } from '../support/apt-client';
import { FileServerHandle, startFileServer } from '../support/archive-server';
import { FakeWorld, FakeWorldHandle } from '../support/fake-world';
import { bookworm } from '../support/rollback-upstream';
import { runChecked, runCommand, RunResult } from '../support/run-build';
import { cachedTestKey } from '../support/test-keys';

const ROOT = path.join(__dirname, '..', '..');
const README = path.join(ROOT, 'README.md');

let world: FakeWorldHandle;
let upstream: FileServerHandle;
let nginx: RunningNginx;
let dir: string;
let served: string;
let common: string[];
let mirrorKey: string;
const clients: AptClient[] = [];

/** Points the upstream at state `a` (app 1.1) or `b` (app 1.2 and extra 1.0, a later Release). */
function upstreamServes(state: 'a' | 'b'): void {
  const link = path.join(dir, 'upstream', 'debian');
  fs.rmSync(link, { force: true });
  fs.symlinkSync(path.join(world.world.publicDir, state), link);
}

beforeAll(async () => {
  world = await FakeWorld.start({
    archives: [
      { kind: 'dists', path: 'a', distributions: [bookworm('Sat, 10 Jun 2023 09:00:00 UTC', '1.1', false)] },
      { kind: 'dists', path: 'b', distributions: [bookworm('Sat, 17 Jun 2023 09:00:00 UTC', '1.2', true)] },
    ],
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-rollback-'));
  fs.mkdirSync(path.join(dir, 'upstream'));
  fs.symlinkSync(path.join(world.world.publicDir, 'keys'), path.join(dir, 'upstream', 'keys'));
  upstreamServes('a');
  upstream = await startFileServer(path.join(dir, 'upstream'));
  const sources = path.join(dir, 'sources', 'debian', 'bookworm');
  fs.mkdirSync(sources, { recursive: true });
  fs.writeFileSync(path.join(sources, 'source.txt'), `${upstream.url}/debian ${upstream.url}/keys/archive.asc bookworm main\n`);
  const key = await cachedTestKey();
  mirrorKey = key.publicKey;
  fs.writeFileSync(path.join(dir, 'mirror.pub.asc'), key.publicKey);
  fs.writeFileSync(path.join(dir, 'signing-key.asc'), key.privateKey, { mode: 0o600 });
  const base = path.join(dir, 'base');
  await runChecked('umoci', ['init', '--layout', base]);
  await runChecked('umoci', ['new', '--image', `${base}:1`]);
  common = ['--sources', path.join(dir, 'sources'), '--key-fingerprint', `debian/bookworm=${world.keys.archive.fingerprint}`,
    '--public-key', path.join(dir, 'mirror.pub.asc'), '--signing-key', path.join(dir, 'signing-key.asc'),
    '--image', 'registry.example.com/mini-mirror', '--namespace', 'apt-mirror', '--base-image', `oci:${base}:1`];
  // The tree nginx serves; each build's public/ is copied in as the serving image holds it.
  served = path.join(dir, 'served');
  fs.mkdirSync(served);
  for (let d = dir; d !== os.tmpdir() && d !== '/'; d = path.dirname(d)) fs.chmodSync(d, 0o755);
  // Each build is served by a new pod in a cluster; here one nginx serves them in turn, so without
  // its open-file cache (it would keep answering with the previous build's files for minutes).
  const config: string = objectOf(synthMirror().manifests, 'ConfigMap', 'mirror-nginx').data['nginx.conf'];
  nginx = await startNginx(config.split('\n').filter(l => !/^\s*open_file_cache/.test(l)).join('\n'), served);
}, 180_000);

afterAll(async () => {
  await nginx?.stop();
  for (const c of clients) await c.dispose();
  await upstream?.stop();
  await world?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** `mini-mirror build` in its own process, in `dir` (the README's relative paths). */
async function cli(args: string[]): Promise<RunResult> {
  const r = await runCommand(path.join(ROOT, 'node_modules', '.bin', 'ts-node'), ['--project', path.join(ROOT, 'test', 'tsconfig.json'), '--transpile-only',
    path.join(ROOT, 'src', 'cli', 'main.ts'), 'build', ...args], { cwd: dir, timeoutMs: 300_000 });
  if (r.exitCode !== 0) throw new Error(`mini-mirror build ${args.join(' ')} failed (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/**
 * Serves `out`'s public/ as the image holds it: readable by nginx's user, every file with one
 * mtime, the Release's Date (bake-image-oci.sh).
 */
async function serve(out: string): Promise<void> {
  await runChecked('find', [served, '-mindepth', '1', '-delete']);
  await runChecked('cp', ['-a', `${path.join(dir, out, 'public')}/.`, served]);
  await runChecked('chmod', ['-R', 'a+rX', served]);
  await runChecked('find', [served, '-exec', 'touch', '-h', '-d', `@${servedDate() / 1000}`, '{}', '+']);
}

async function client(): Promise<AptClient> {
  const c = await AptClient.create([{ uri: `${nginx.url}/debian`, suite: 'bookworm', components: ['main'], signedBy: mirrorKey }]);
  clients.push(c);
  return c;
}

/** `apt-get install --download-only`: the .debs really come from the mirror; throws on any failure (a 404 is one). */
async function download(c: AptClient, ...packages: string[]): Promise<string> {
  await c.apt('apt-get', ['clean']);
  const r = await c.apt('apt-get', ['install', '--download-only', '-y', '--no-install-recommends', ...packages]);
  const out = r.stdout + r.stderr;
  if (r.exitCode !== 0 || /\b404\b|^(E|Err):/m.test(out)) throw new Error(`apt-get install ${packages.join(' ')} failed (exit ${r.exitCode}):\n${out}`);
  return out;
}

function debs(c: AptClient): string[] {
  return fs.readdirSync(path.join(c.root, 'var/cache/apt/archives')).filter(f => f.endsWith('.deb')).sort();
}

function servedDate(): number {
  return Date.parse(parseRelease(fs.readFileSync(path.join(served, 'debian/dists/bookworm/Release'), 'utf8'), 'dists/bookworm/').date!);
}

/** The README's rollback command (day two), its options placeholder replaced by this test's. */
function readmeRollbackCommand(): string[] {
  const line = fs.readFileSync(README, 'utf8').split('\n').map(l => l.trim()).find(l => l.startsWith('npx mini-mirror build ') && l.includes('--rollback-to') && !l.includes('docker://'));
  if (!line) throw new Error('README.md gives no `npx mini-mirror build ... --rollback-to DIR` command');
  const words = line.split(/\s+/).slice(3);
  expect(words).toContain('"${OPTIONS[@]}"');
  return words.flatMap(w => w === '"${OPTIONS[@]}"' ? common : [w]);
}

test('after a rollback, a client that kept its lists follows it: update without warning, A\'s packages install, B\'s are gone; clients one build behind never hit 404', async () => {
  const packagesTxt = path.join(dir, 'sources', 'debian', 'bookworm', 'packages.txt');
  // Build A, served; both clients take its lists.
  fs.writeFileSync(packagesTxt, 'app\n');
  await cli([...common, '--out', 'build-a']);
  await serve('build-a');
  const dateA = servedDate();
  const stateful = await client();
  const behind = await client();
  await stateful.update();
  await behind.update();

  // Build B: A plus a package, a newer app. The lagging client still holds A's lists mid-rollout.
  upstreamServes('b');
  fs.writeFileSync(packagesTxt, 'app\nextra\n');
  const b = await cli([...common, '--out', 'build-b', '--previous-manifest', 'build-a/public/manifest.json']);
  expect(b.stdout).toMatch(/kept 1 pool file of the previous build/);
  await serve('build-b');
  // app 1.1 is not in B's indexes, only kept in B's pool.
  expect(fs.readFileSync(path.join(served, 'debian/dists/bookworm/main/binary-amd64/Packages'), 'utf8')).not.toMatch(/^Version: 1\.1$/m);
  await download(behind, 'app');
  expect(debs(behind)).toEqual(['app_1.1_amd64.deb', 'libapp_2.0_amd64.deb']);
  await stateful.update();
  await download(stateful, 'extra', 'app');
  expect(debs(stateful)).toEqual(['app_1.2_amd64.deb', 'extra_1.0_amd64.deb', 'libapp_2.0_amd64.deb']);
  const dateB = servedDate();
  expect(dateB).toBeGreaterThan(dateA);

  // Roll back to A's package set, with the README's command as written.
  const treeA = ['Release', 'InRelease', 'Release.gpg'].map(f => fs.readFileSync(path.join(dir, 'build-a/public/debian/dists/bookworm', f), 'utf8'));
  const upstreamAsked = upstream.requests.length;
  const r = await cli(readmeRollbackCommand());
  // Nothing mirrored: upstream may no longer have those versions.
  expect(upstream.requests.slice(upstreamAsked)).toEqual([]);
  expect(r.stdout).toMatch(/^built registry\.example\.com\/mini-mirror:rollback-[0-9a-f]{16} /m);
  expect(fs.existsSync(path.join(dir, 'build-rollback', 'oci'))).toBe(true);
  // A's tree and its signatures are left as they were.
  expect(['Release', 'InRelease', 'Release.gpg'].map(f => fs.readFileSync(path.join(dir, 'build-a/public/debian/dists/bookworm', f), 'utf8'))).toEqual(treeA);
  await serve('build-rollback');
  expect(servedDate()).toBe(dateB + 1000);
  // Mid-rollout the client still holds B's lists: B's package downloads (kept for one generation).
  await download(stateful, 'extra');
  const update = await stateful.update();
  expect(update.stdout).toMatch(/Get:\d+ \S+ bookworm InRelease/);
  await download(stateful, 'app');
  expect(debs(stateful)).toEqual(['app_1.1_amd64.deb', 'libapp_2.0_amd64.deb']);
  expect(await stateful.policy('app')).toMatch(/Candidate: 1\.1$/m);
  expect(await stateful.policy('extra')).not.toMatch(/Candidate: 1\.0/);
  const manifest = JSON.parse(fs.readFileSync(path.join(served, 'manifest.json'), 'utf8'));
  expect(manifest.packages.map((p: any) => `${p.name} ${p.version}`).sort()).toEqual(['app 1.1', 'libapp 2.0']);
  const manifestA = JSON.parse(fs.readFileSync(path.join(dir, 'build-a/public/manifest.json'), 'utf8'));
  expect(manifest.rollbackOf).toEqual({ buildIdentity: manifestA.buildIdentity, builtAt: manifestA.builtAt });
  expect(Date.parse(manifest.builtAt)).toBe(dateB + 1000);
}, 1_200_000);

test('--rollback-to without --previous-manifest, or at a directory with no build, is refused before anything runs', async () => {
  const r = await runCommand(path.join(ROOT, 'node_modules', '.bin', 'ts-node'), ['--project', path.join(ROOT, 'test', 'tsconfig.json'), '--transpile-only',
    path.join(ROOT, 'src', 'cli', 'main.ts'), 'build', ...common, '--rollback-to', path.join(dir, 'nothing'), '--out', path.join(dir, 'never')], { timeoutMs: 120_000 });
  expect(r.exitCode).toBe(1);
  expect(r.stderr).toContain(`--rollback-to ${path.join(dir, 'nothing')} holds no earlier build`);
  expect(r.stderr).toContain('--rollback-to needs --previous-manifest FILE|URL');
  expect(fs.existsSync(path.join(dir, 'never'))).toBe(false);
}, 120_000);
