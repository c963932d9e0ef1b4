/**
 * `mini-mirror build` on a host, as a user runs it (the real CLI in a process group of its own)
 * against a slow fake upstream, with a passphrase-protected signing key: whatever ends the build
 * (SIGINT, SIGTERM, SIGHUP or SIGKILL of the CLI's whole process group), nothing secret outlives
 * it (no key or passphrase bytes in any file, no gpg-agent for its home), nothing is published,
 * and the exit code says why. Also: the passphrase is in no process's argv or environment while
 * the build runs; --out is refused when it holds someone's files, and locked against a second build.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CliProcess, eventually, filesHolding, lockIsFree, processesHolding, processesUnder, startCli } from '../support/cli-process';
import { FakeUpstream, FakeUpstreamHandle } from '../support/fake-upstream';
import { runChecked } from '../support/run-build';
import { generateSigningKey, GeneratedKey } from '../support/signing-key';

let upstream: FakeUpstreamHandle;
let dir: string;
let key: GeneratedKey;
/** The test's $XDG_RUNTIME_DIRs, removed at the end even when a test failed. */
const runtimeDirs: string[] = [];

beforeAll(async () => {
  // Every response waits 3 s: once the key is ready, the build is busy downloading for a while.
  upstream = await FakeUpstream.start({ latencyMs: 3000 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-host-secrets-'));
  key = await generateSigningKey({ passphrase: `pp-${randomBytes(12).toString('hex')}`, userId: 'Host Secrets <mirror@example.com>' });
  const sources = path.join(dir, 'sources', 'debian', 'bookworm');
  fs.mkdirSync(sources, { recursive: true });
  fs.writeFileSync(path.join(sources, 'source.txt'), `${upstream.url} ${upstream.keyUrl} bookworm main\n`);
  fs.writeFileSync(path.join(sources, 'packages.txt'), 'chain-a\n');
  fs.writeFileSync(path.join(dir, 'mirror.pub.asc'), key.publicKey);
  fs.writeFileSync(path.join(dir, 'signing-key.asc'), key.privateKey, { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'passphrase.txt'), key.passphrase!, { mode: 0o600 });
  // The base image is resolved before the build starts: it must exist (these builds never bake it).
  await runChecked('umoci', ['init', '--layout', path.join(dir, 'no-base')]);
  await runChecked('umoci', ['new', '--image', `${path.join(dir, 'no-base')}:1`]);
}, 120_000);

afterAll(async () => {
  await upstream?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  for (const d of runtimeDirs) fs.rmSync(d, { recursive: true, force: true });
});

/** The secrets as bytes to look for: the passphrase, and lines from the middle of the armored key. */
function secretNeedles(): string[] {
  const body = key.privateKey.split('\n').filter(l => l.length >= 60);
  return [key.passphrase!, body[1], body[Math.floor(body.length / 2)]];
}

/** A memory-backed $XDG_RUNTIME_DIR of the test's own, so the build's private directory is found there. */
function runtimeDir(): string {
  const d = fs.mkdtempSync(path.join('/dev/shm', 'mm-hs-'));
  fs.chmodSync(d, 0o700);
  runtimeDirs.push(d);
  return d;
}

function startBuild(out: string, runtime: string): CliProcess {
  return startCli(['build', '--sources', path.join(dir, 'sources'), '--key-fingerprint', `debian/bookworm=${upstream.fingerprint}`,
    '--public-key', path.join(dir, 'mirror.pub.asc'), '--passphrase-key', 'passphrase',
    '--image', 'registry.example.com/mini-mirror', '--namespace', 'apt-mirror', '--signing-key', path.join(dir, 'signing-key.asc'),
    '--passphrase-file', path.join(dir, 'passphrase.txt'), '--base-image', `oci:${path.join(dir, 'no-base')}:1`, '--out', out],
  { ...process.env, XDG_RUNTIME_DIR: runtime });
}

/** Starts a build and waits until its key is imported and a gpg-agent holds it; returns its private directory. */
async function buildWithKeyReady(out: string, runtime: string): Promise<{ cli: CliProcess; privateDir: string }> {
  const cli = startBuild(out, runtime);
  await cli.waitFor(/signing: release key [0-9A-F]+ ready/);
  const privateDir = /signing key and its GNUPGHOME in (\S+) \(memory/.exec(cli.stdout())?.[1];
  expect(privateDir).toBeDefined();
  expect(path.dirname(privateDir!)).toBe(runtime);
  expect(fs.statSync(privateDir!).mode.toString(8).slice(-3)).toBe('700');
  // The key is imported in there, a gpg-agent serves that home, and nothing of it is under --out.
  const homes = fs.readdirSync(path.join(privateDir!, 'gnupg'));
  expect(homes).toHaveLength(1);
  expect(fs.existsSync(path.join(privateDir!, 'gnupg', homes[0], 'private-keys-v1.d'))).toBe(true);
  expect(processesUnder(privateDir!).map(p => p.cmdline).join('\n')).toMatch(/gpg-agent/);
  expect(filesHolding(privateDir!, secretNeedles()).length).toBeGreaterThan(0);
  expect(filesHolding(out, secretNeedles())).toEqual([]);
  // No process has the passphrase or the key in its argv or environment.
  expect(processesHolding(secretNeedles())).toEqual([]);
  return { cli, privateDir: privateDir! };
}

/** After the build: no trace of the key, no agent, nothing published, the lock free. */
function expectNothingLeft(out: string, runtime: string): void {
  expect(fs.readdirSync(runtime)).toEqual([]);
  expect(processesUnder(runtime)).toEqual([]);
  expect(processesUnder(out)).toEqual([]);
  expect(filesHolding(runtime, secretNeedles())).toEqual([]);
  expect(filesHolding(out, secretNeedles())).toEqual([]);
  expect(fs.readdirSync(out).sort()).toEqual(['.mini-mirror-lock', '.mini-mirror-out']);
  expect(lockIsFree(path.join(out, '.mini-mirror-lock'))).toBe(true);
}

test.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const)('GIVEN a build signing with a passphrase-protected key WHEN its process group gets %s THEN it exits %d, nothing published, no key, passphrase or agent left', async (signal, code) => {
  const out = path.join(dir, `out-${signal}`);
  const runtime = runtimeDir();
  const { cli } = await buildWithKeyReady(out, runtime);
  process.kill(-cli.pid, signal);
  expect(await cli.exited).toEqual({ code, signal: null });
  expect(cli.stderr()).toContain(`mini-mirror: interrupted by ${signal}: the build stopped and nothing was published to ${out}; the signing key material is removed`);
  expectNothingLeft(out, runtime);
}, 180_000);

test('GIVEN a build signing with a passphrase-protected key WHEN its whole process group is SIGKILLed THEN its watchdog removes key, passphrase and agent within seconds and publishes nothing', async () => {
  const out = path.join(dir, 'out-SIGKILL');
  const runtime = runtimeDir();
  const { cli, privateDir } = await buildWithKeyReady(out, runtime);
  process.kill(-cli.pid, 'SIGKILL');
  expect(await cli.exited).toEqual({ code: null, signal: 'SIGKILL' });
  // The watchdog's cleanup: the key material gone and the lock free within a few seconds.
  await eventually(() => !fs.existsSync(privateDir) && lockIsFree(path.join(out, '.mini-mirror-lock')), 5_000, 'the watchdog\'s cleanup');
  // Every process that shared the CLI's output (the build's steps, the watchdog) has ended.
  await cli.closed;
  expectNothingLeft(out, runtime);
}, 180_000);

test('GIVEN a build running into --out WHEN a second build into the same --out starts THEN it is refused at once, naming the first build\'s pid, and the first goes on', async () => {
  const out = path.join(dir, 'out-locked');
  const runtime = runtimeDir();
  const first = startBuild(out, runtime);
  await first.waitFor(/^mini-mirror build: \S+ \(build [0-9a-f]{12}\) into /m);
  const second = startBuild(out, runtime);
  expect(await second.exited).toEqual({ code: 1, signal: null });
  expect(second.stderr()).toContain(`mini-mirror: another mini-mirror build (pid ${first.pid}) is building into ${out}: wait for it to end (or stop it), or give another --out`);
  expect(second.stdout()).not.toContain('into');
  // The second build's private directory is gone; the first one's is still there, its build goes on.
  expect(fs.readdirSync(runtime)).toHaveLength(1);
  await first.waitFor(/signing: release key [0-9A-F]+ ready/);
  process.kill(-first.pid, 'SIGTERM');
  expect(await first.exited).toEqual({ code: 143, signal: null });
  expectNothingLeft(out, runtime);
}, 180_000);

test('GIVEN --out holding a user\'s files WHEN mini-mirror build runs THEN it refuses, naming the directory, and deletes nothing', async () => {
  const out = path.join(dir, 'my-files');
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(out, 'notes.txt'), 'mine\n');
  const runtime = runtimeDir();
  const cli = startBuild(out, runtime);
  expect(await cli.exited).toEqual({ code: 1, signal: null });
  expect(cli.stderr()).toContain(`mini-mirror: --out ${out} is not empty and was not made by mini-mirror build (it has no .mini-mirror-out), `
    + 'and a build replaces what it finds there: give a new or empty directory');
  expect(fs.readdirSync(out)).toEqual(['notes.txt']);
  expect(fs.readdirSync(runtime)).toEqual([]);
}, 120_000);
