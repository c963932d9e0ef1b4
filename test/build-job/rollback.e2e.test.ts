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
import { RunningNginx } from '../serving/nginx-process';
import { AptClient } from '../support/apt-client';
import { FileServerHandle } from '../support/archive-server';
import { writeCliInputs } from '../support/cli-inputs';
import { runMiniMirror } from '../support/cli-process';
import { FakeWorldHandle } from '../support/fake-world';
import { downloadDebs, mirrorClient } from '../support/mirror-client';
import { startRollbackUpstream } from '../support/rollback-upstream';
import { runChecked, RunResult } from '../support/run-build';
import { replaceServed, startServedMirror } from '../support/served-mirror';
import { stopAll } from '../support/stop-all';

const ROOT = path.join(__dirname, '..', '..');
const README = path.join(ROOT, 'README.md');

let world: FakeWorldHandle;
let upstream: FileServerHandle;
let upstreamServes: (state: 'a' | 'b') => void;
let nginx: RunningNginx;
let dir: string;
let served: string;
let common: string[];
let mirrorKey: string;
const clients: AptClient[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-rollback-'));
  ({ world, server: upstream, serves: upstreamServes } = await startRollbackUpstream(dir));
  ({ common, mirrorKey } = await writeCliInputs(dir, upstream.url, world.keys.archive.fingerprint));
  // The tree nginx serves; each build's public/ is copied in as the serving image holds it.
  ({ served, nginx } = await startServedMirror(dir));
}, 180_000);

afterAll(() => stopAll([nginx, ...clients, upstream, world], dir));

/** `mini-mirror build` in its own process, in `dir` (the README's relative paths). */
async function cli(args: string[]): Promise<RunResult> {
  const r = await runMiniMirror(['build', ...args], { cwd: dir, timeoutMs: 300_000 });
  if (r.exitCode !== 0) throw new Error(`mini-mirror build ${args.join(' ')} failed (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/**
 * Serves `out`'s public/ as the image holds it: readable by nginx's user, every file with one
 * mtime, the Release's Date (bake-image-oci.sh).
 */
async function serve(out: string): Promise<void> {
  await replaceServed(served, path.join(dir, out, 'public'));
  await runChecked('find', [served, '-exec', 'touch', '-h', '-d', `@${servedDate() / 1000}`, '{}', '+']);
}

async function client(): Promise<AptClient> {
  const c = await mirrorClient(nginx.url, mirrorKey);
  clients.push(c);
  return c;
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
  expect(await downloadDebs(behind, ['app'])).toEqual(['app_1.1_amd64.deb', 'libapp_2.0_amd64.deb']);
  await stateful.update();
  expect(await downloadDebs(stateful, ['extra', 'app'])).toEqual(['app_1.2_amd64.deb', 'extra_1.0_amd64.deb', 'libapp_2.0_amd64.deb']);
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
  await downloadDebs(stateful, ['extra']);
  const update = await stateful.update();
  expect(update.stdout).toMatch(/Get:\d+ \S+ bookworm InRelease/);
  expect(await downloadDebs(stateful, ['app'])).toEqual(['app_1.1_amd64.deb', 'libapp_2.0_amd64.deb']);
  expect(await stateful.policy('app')).toMatch(/Candidate: 1\.1$/m);
  expect(await stateful.policy('extra')).not.toMatch(/Candidate: 1\.0/);
  const manifest = JSON.parse(fs.readFileSync(path.join(served, 'manifest.json'), 'utf8'));
  expect(manifest.packages.map((p: any) => `${p.name} ${p.version}`).sort()).toEqual(['app 1.1', 'libapp 2.0']);
  const manifestA = JSON.parse(fs.readFileSync(path.join(dir, 'build-a/public/manifest.json'), 'utf8'));
  expect(manifest.rollbackOf).toEqual({ buildIdentity: manifestA.buildIdentity, builtAt: manifestA.builtAt });
  expect(Date.parse(manifest.builtAt)).toBe(dateB + 1000);
}, 1_200_000);

test('--rollback-to without --previous-manifest, or at a directory with no build, is refused before anything runs', async () => {
  const r = await runMiniMirror(['build', ...common, '--rollback-to', path.join(dir, 'nothing'), '--out', path.join(dir, 'never')], { timeoutMs: 120_000 });
  expect(r.exitCode).toBe(1);
  expect(r.stderr).toContain(`--rollback-to ${path.join(dir, 'nothing')} holds no earlier build`);
  expect(r.stderr).toContain('--rollback-to needs --previous-manifest FILE|URL');
  expect(fs.existsSync(path.join(dir, 'never'))).toBe(false);
}, 120_000);
