/**
 * `mini-mirror build` on a host (the CLI in its own process, as a user runs it): no previous build
 * is compared unless `--previous-manifest FILE|URL` is given; with one, an upstream that went back
 * fails the mirror step and `--allow-downgrade ID` lets it through with a warning.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runChecked, runCommand, RunResult } from '../support/run-build';
import { startSwitchableUpstream, SwitchableUpstream } from '../support/switchable-upstream';
import { cachedTestKey } from '../support/test-keys';

const ROOT = path.join(__dirname, '..', '..');

let upstream: SwitchableUpstream;
let dir: string;
let base: string;
let common: string[];

beforeAll(async () => {
  upstream = await startSwitchableUpstream();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-cli-downgrade-'));
  const sources = path.join(dir, 'sources', 'debian', 'bookworm');
  fs.mkdirSync(sources, { recursive: true });
  fs.writeFileSync(path.join(sources, 'source.txt'), `${upstream.url} ${upstream.keyUrl} bookworm main\n`);
  fs.writeFileSync(path.join(sources, 'packages.txt'), 'app\n');
  const key = await cachedTestKey();
  fs.writeFileSync(path.join(dir, 'mirror.pub.asc'), key.publicKey);
  fs.writeFileSync(path.join(dir, 'signing-key.asc'), key.privateKey, { mode: 0o600 });
  // The base image as a local OCI layout (no registry on the internet here).
  base = path.join(dir, 'base');
  await runChecked('umoci', ['init', '--layout', base]);
  await runChecked('umoci', ['new', '--image', `${base}:1`]);
  common = ['--sources', path.join(dir, 'sources'), '--key-fingerprint', `debian/bookworm=${upstream.fingerprint}`, '--public-key', path.join(dir, 'mirror.pub.asc'), '--signing-key', path.join(dir, 'signing-key.asc'),
    '--image', 'registry.example.com/mini-mirror', '--namespace', 'apt-mirror', '--base-image', `oci:${base}:1`];
}, 120_000);

afterAll(async () => {
  await upstream?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<RunResult> {
  return runCommand(path.join(ROOT, 'node_modules', '.bin', 'ts-node'), ['--project', path.join(ROOT, 'test', 'tsconfig.json'), '--transpile-only',
    path.join(ROOT, 'src', 'cli', 'main.ts'), 'build', ...common, ...args], { env: { ...process.env }, timeoutMs: 240_000 });
}

test('mini-mirror build: --previous-manifest refuses a package that went down; --allow-downgrade lets it through with a warning', async () => {
  upstream.serve('a');
  const first = await cli('--out', path.join(dir, 'a'));
  if (first.exitCode !== 0) throw new Error(`build A failed:\n${first.stdout}\n${first.stderr}`);
  // On a host nothing is compared by default (the synthesized in-cluster URL is not used), and it says so.
  expect(first.stdout).toMatch(/^WARNING: no previous build is compared: /m);
  const aManifest = path.join(dir, 'a', 'public', 'manifest.json');
  expect(JSON.parse(fs.readFileSync(aManifest, 'utf8')).packages.map((p: any) => `${p.name} ${p.version}`).sort()).toEqual(['app 1.1', 'libapp 2.0']);

  upstream.serve('down');
  const refused = await cli('--out', path.join(dir, 'down'), '--previous-manifest', path.relative(process.cwd(), aManifest));
  expect(refused.exitCode).toBe(1);
  expect(refused.stdout).toContain(`previous build: ${aManifest} (1 upstream, 2 packages): refusing downgrades`);
  expect(refused.stderr).toMatch(/ERROR: 1 package version went down since the previous build \(.*a\/public\/manifest\.json\) in debian\/bookworm: app amd64 \(world bookworm: debian\/bookworm\) 1\.1 -> 1\.0/);
  expect(refused.stderr).toMatch(/the mirror step failed \(exit 1\)/);
  expect(fs.existsSync(path.join(dir, 'down', 'public'))).toBe(false);
  expect(fs.existsSync(path.join(dir, 'down', 'oci'))).toBe(false);

  const allowed = await cli('--out', path.join(dir, 'down'), '--previous-manifest', aManifest, '--allow-downgrade', 'debian/bookworm');
  if (allowed.exitCode !== 0) throw new Error(`build with --allow-downgrade failed:\n${allowed.stdout}\n${allowed.stderr}`);
  expect(allowed.stdout).toMatch(/^WARNING: debian\/bookworm: package app amd64 \(world bookworm: debian\/bookworm\) went down from 1\.1 to 1\.0; going on because the source sets allowDowngrade$/m);
  expect(fs.existsSync(path.join(dir, 'down', 'public', 'manifest.json'))).toBe(true);
}, 600_000);

test('mini-mirror build: a --previous-manifest file that does not exist is an input problem, before anything runs', async () => {
  const r = await cli('--out', path.join(dir, 'never'), '--previous-manifest', path.join(dir, 'missing.json'));
  expect(r.exitCode).toBe(1);
  expect(r.stderr).toContain(`--previous-manifest ${path.join(dir, 'missing.json')} does not exist`);
  expect(fs.existsSync(path.join(dir, 'never'))).toBe(false);
}, 120_000);
