/**
 * `mini-mirror build --from-tree`: the image baked from a tree an earlier build kept, without
 * mirroring again (the upstream sees no request) and without the signing key; into a new --out or
 * into the same one; a tree of another build is refused.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { layoutDigest } from '../../src/cli/layout-digest';
import { FakeUpstream, FakeUpstreamHandle } from '../support/fake-upstream';
import { runChecked, runCommand } from '../support/run-build';
import { generateSigningKey } from '../support/signing-key';

const ROOT = path.join(__dirname, '..', '..');
let upstream: FakeUpstreamHandle;
let dir: string;

beforeAll(async () => {
  upstream = await FakeUpstream.start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-from-tree-'));
}, 120_000);

afterAll(async () => {
  await upstream?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function cli(...args: string[]) {
  return runCommand(path.join(ROOT, 'node_modules', '.bin', 'ts-node'), ['--project', path.join(ROOT, 'test', 'tsconfig.json'), '--transpile-only',
    path.join(ROOT, 'src', 'cli', 'main.ts'), 'build', ...args], { env: { ...process.env }, timeoutMs: 240_000 });
}

test('build --from-tree bakes the kept tree without mirroring or the key; the same tree gives the same image; another build\'s tree is refused', async () => {
  const sources = path.join(dir, 'sources', 'debian', 'bookworm');
  fs.mkdirSync(sources, { recursive: true });
  fs.writeFileSync(path.join(sources, 'source.txt'), `${upstream.url} ${upstream.keyUrl} bookworm main\n`);
  fs.writeFileSync(path.join(sources, 'packages.txt'), 'chain-a\n');
  const key = await generateSigningKey({ userId: 'From Tree <mirror@example.com>' });
  fs.writeFileSync(path.join(dir, 'mirror.pub.asc'), key.publicKey);
  fs.writeFileSync(path.join(dir, 'signing-key.asc'), key.privateKey, { mode: 0o600 });
  const base = path.join(dir, 'base');
  await runChecked('umoci', ['init', '--layout', base]);
  await runChecked('umoci', ['new', '--image', `${base}:1`]);
  const common = ['--sources', path.join(dir, 'sources'), '--key-fingerprint', `debian/bookworm=${upstream.fingerprint}`, '--public-key', path.join(dir, 'mirror.pub.asc'),
    '--image', 'registry.example.com/mini-mirror', '--namespace', 'apt-mirror', '--base-image', `oci:${base}:1`, '--refresh-epoch', '2026-12-01'];

  const out = path.join(dir, 'out');
  const first = await cli(...common, '--signing-key', path.join(dir, 'signing-key.asc'), '--out', out);
  if (first.exitCode !== 0) throw new Error(`mini-mirror build failed (exit ${first.exitCode}):\n${first.stdout}\n${first.stderr}`);
  const [, , tag] = /^built (\S+):(\S+) \(build/m.exec(first.stdout)!;
  const digest = layoutDigest(path.join(out, 'oci'), tag);
  expect(digest).toMatch(/^sha256:/);

  // Into a new --out, no key, no request upstream: the same tree on the same base, the same digest.
  const requests = upstream.requests.length;
  const out2 = path.join(dir, 'out2');
  const second = await cli(...common, '--from-tree', out, '--out', out2);
  if (second.exitCode !== 0) throw new Error(`build --from-tree failed (exit ${second.exitCode}):\n${second.stdout}\n${second.stderr}`);
  expect(upstream.requests.length).toBe(requests);
  expect(second.stdout).not.toContain('signing key');
  expect(layoutDigest(path.join(out2, 'oci'), tag)).toBe(digest);
  expect(fs.existsSync(path.join(out, 'public', 'manifest.json'))).toBe(true); // the source tree stays

  // Into the same --out (after a failed image step the tree is there): kept, baked again.
  const third = await cli(...common, '--from-tree', out, '--out', out);
  if (third.exitCode !== 0) throw new Error(`build --from-tree into its own --out failed (exit ${third.exitCode}):\n${third.stdout}\n${third.stderr}`);
  expect(layoutDigest(path.join(out, 'oci'), tag)).toBe(digest);
  expect(fs.readdirSync(out).sort()).toEqual(['.mini-mirror-lock', '.mini-mirror-out', 'oci', 'public']);

  // Other options, another build: refused, naming both, the tree left alone.
  const other = await cli(...common.slice(0, -1), '2026-12-02', '--from-tree', out, '--out', path.join(dir, 'out3'));
  expect(other.exitCode).toBe(1);
  expect(other.stderr).toMatch(/mini-mirror: --from-tree \S+ is build [0-9a-f]{12}, not this build [0-9a-f]{12}: give the same options/);
  expect(fs.existsSync(path.join(out, 'public', 'manifest.json'))).toBe(true);

  const none = await cli(...common, '--from-tree', path.join(dir, 'sources'), '--out', path.join(dir, 'out4'));
  expect(none.exitCode).toBe(1);
  expect(none.stderr).toContain('holds no published tree');
}, 600_000);
