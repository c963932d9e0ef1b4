/**
 * The build runner run directly (assets/build-runner.js with the synthesized ConfigMaps written
 * to disk): stopped by SIGTERM (a deleted Job, an evicted pod) in the middle of a build, the
 * signing key's GNUPGHOME is gone and nothing was published; a workspace too small for the
 * packages fails before they are downloaded.
 */
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FakeUpstream, FakeUpstreamHandle } from '../support/fake-upstream';
import { writeJobMounts } from '../support/job-mounts';
import { synthesizeBuild } from '../support/run-build';
import { generateSigningKey } from '../support/signing-key';

let upstream: FakeUpstreamHandle;
let root: string;

beforeAll(async () => {
  upstream = await FakeUpstream.start({ latencyMs: 3000 });
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-signals-'));
}, 120_000);

afterAll(async () => {
  await upstream?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

/** The build ConfigMap, the sources ConfigMaps and the Secret as the Job mounts them. */
/** The bundled runner as the mirror step runs it, on the mounts `writeMounts` wrote, with `workspace`. */
function spawnRunner(workspace: string, env: NodeJS.ProcessEnv, mounts = root): ChildProcessWithoutNullStreams {
  return spawn('node', [path.join(mounts, 'build', 'build-runner.js')], {
    env: {
      ...process.env,
      MINI_MIRROR_SOURCES_DIR: path.join(mounts, 'sources'),
      MINI_MIRROR_BUILD_DIR: path.join(mounts, 'build'),
      MINI_MIRROR_SIGNING_DIR: path.join(mounts, 'signing'),
      MINI_MIRROR_WORKSPACE: workspace,
      ...env,
    },
  });
}

test('SIGTERM during a build removes the signing GNUPGHOME and publishes nothing', async () => {
  const key = await generateSigningKey({ passphrase: 'pass phrase', userId: 'Signals <mirror@example.com>' });
  const { manifests } = synthesizeBuild({
    signing: { mode: 'key', privateKey: key.privateKey, publicKey: key.publicKey, passphrase: 'pass phrase', fingerprint: key.fingerprint },
    sources: [{ prefix: 'debian', name: 'bookworm', url: upstream.url, keyUrl: upstream.keyUrl, distribution: 'bookworm', components: ['main'], packages: ['chain-a'] }],
  });
  writeJobMounts(root, manifests, key.privateKey, 'pass phrase');
  const gnupgDir = path.join(root, 'memory');
  fs.mkdirSync(gnupgDir, { mode: 0o700 });
  const workspace = path.join(root, 'workspace');

  const child = spawnRunner(workspace, { MINI_MIRROR_GNUPG_DIR: gnupgDir });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => stderr += d.toString());
  const exited = new Promise<number | null>(resolve => child.on('close', code => resolve(code)));
  // Once the signing key is ready (its GNUPGHOME exists, holding the key), the slow upstream keeps
  // the build busy downloading: stop it then.
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (/signing: release key [0-9A-F]+ ready/.test(stdout)) resolve();
    });
    child.on('close', () => reject(new Error(`the build ended before signing was ready:\n${stdout}\n${stderr}`)));
  });
  const homes = fs.readdirSync(gnupgDir);
  expect(homes).toHaveLength(1);
  expect(fs.readdirSync(path.join(gnupgDir, homes[0])).some(f => f === 'private-keys-v1.d')).toBe(true);
  child.kill('SIGTERM');
  expect(await exited).toBe(143);

  expect(fs.readdirSync(gnupgDir)).toEqual([]);
  expect(fs.existsSync(path.join(workspace, 'public'))).toBe(false);
  expect(fs.readdirSync(workspace)).toEqual([]);
  expect(stderr).toMatch(/BUILD FAILED \(exit 143\): nothing was written to /);
}, 120_000);

test('a workspace without room for the packages fails before downloading them', async () => {
  const workspace = path.join(root, 'small-workspace');
  fs.mkdirSync(workspace);
  // the emptyDir's sizeLimit is 1 MiB, and something already fills it
  fs.writeFileSync(path.join(workspace, 'filler'), Buffer.alloc(1024 * 1024));
  const r = await new Promise<{ code: number | null; stderr: string }>(resolve => {
    const child = spawnRunner(workspace, { MINI_MIRROR_WORKSPACE_LIMIT_MIB: '1' });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => stderr += d.toString());
    child.on('close', code => resolve({ code, stderr }));
  });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/debian\/bookworm: its packages need \d+ MiB and the workspace has 0 MiB left: raise buildJob\.mirrorSizeEstimate/);
  expect(upstream.requests.some(p => p.includes('/pool/'))).toBe(false);
  expect(fs.readdirSync(workspace)).toEqual(['filler']);
}, 120_000);

test('SIGTERM while the signing key unlocks (beside the downloads) leaves no signing GNUPGHOME and no agent behind', async () => {
  // The unlock (the key's S2K) takes about a second: the signal comes while gpg-agent works on it.
  const key = await generateSigningKey({ passphrase: 'slow phrase', slowUnlock: true });
  const { manifests } = synthesizeBuild({
    signing: { mode: 'key', privateKey: key.privateKey, publicKey: key.publicKey, passphrase: 'slow phrase', fingerprint: key.fingerprint },
    sources: [{ prefix: 'debian', name: 'bookworm', url: upstream.url, keyUrl: upstream.keyUrl, distribution: 'bookworm', components: ['main'], packages: ['chain-a'] }],
  });
  const mounts = fs.mkdtempSync(path.join(root, 'unlock-'));
  writeJobMounts(mounts, manifests, key.privateKey, 'slow phrase');
  const gnupgDir = path.join(mounts, 'memory');
  fs.mkdirSync(gnupgDir, { mode: 0o700 });
  const workspace = path.join(mounts, 'workspace');

  const child = spawnRunner(workspace, { MINI_MIRROR_GNUPG_DIR: gnupgDir }, mounts);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => stdout += d.toString());
  child.stderr.on('data', (d: Buffer) => stderr += d.toString());
  const exited = new Promise<number | null>(resolve => child.on('close', code => resolve(code)));
  // The key imported (the agent holds it), the unlock under way: stop the build then.
  const home = await new Promise<string>((resolve, reject) => {
    const poll = setInterval(() => {
      const found = fs.readdirSync(gnupgDir).find(h => fs.existsSync(path.join(gnupgDir, h, 'private-keys-v1.d')));
      if (found) {
        clearInterval(poll);
        resolve(found);
      }
    }, 5);
    child.on('close', () => {
      clearInterval(poll);
      reject(new Error(`the build ended before the key was imported:\n${stdout}\n${stderr}`));
    });
  });
  const atSignal = stdout;
  child.kill('SIGTERM');
  expect(await exited).toBe(143);
  // The signal came during the unlock (cleanup lets it finish, then removes the home).
  expect(atSignal).not.toMatch(/signing: release key [0-9A-F]+ ready/);

  // Nothing written into the home after cleanup removed it, and its agent is gone too.
  await new Promise(resolve => setTimeout(resolve, 1500));
  expect(fs.readdirSync(gnupgDir)).toEqual([]);
  expect(fs.readdirSync(workspace)).toEqual([]);
  const homeDir = path.join(gnupgDir, home);
  const agents = fs.readdirSync('/proc').filter(pid => /^\d+$/.test(pid)).map(pid => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      return '';
    }
  }).filter(cmdline => cmdline.includes(homeDir));
  expect(agents).toEqual([]);
}, 120_000);
