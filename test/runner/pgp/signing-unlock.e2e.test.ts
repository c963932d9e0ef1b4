/**
 * A build signed with a passphrase-protected key, the bundled runner run directly (as the mirror
 * step runs it) with `gpg` behind a logging shim and every process's argv and environment read
 * from /proc while it runs: one gpg process reads the passphrase (the signing check, the key's one
 * unlock), every Release is then signed without it, the passphrase is in no process's argv or env,
 * and the signing GNUPGHOME and its agent are gone afterwards. apt verifies both Releases.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AptClient } from '../../support/apt-client';
import { FakeUpstream, FakeUpstreamHandle } from '../../support/fake-upstream';
import { writeJobMounts } from '../../support/job-mounts';
import { startNginx } from '../../support/nginx';
import { runCommand, synthesizeBuild } from '../../support/run-build';
import { generateSigningKey } from '../../support/signing-key';

const PASSPHRASE = 'unlock me once 7f3a';

let upstream: FakeUpstreamHandle;
let root: string;

beforeAll(async () => {
  upstream = await FakeUpstream.start();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-unlock-'));
}, 120_000);

afterAll(async () => {
  await upstream?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

/** A `gpg` first on PATH that logs its argv (one line per process) and runs the real one. */
function gpgShim(log: string): string {
  const dir = path.join(root, 'shim');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'gpg'), `#!/bin/sh\n{ printf 'gpg'; printf ' %s' "$@"; printf '\\n'; } >> '${log}'\nexec /usr/bin/gpg "$@"\n`, { mode: 0o755 });
  return dir;
}

/** Reads every process's argv and environment until stopped; returns the pids where `secret` appeared. */
function watchProcesses(secret: string): { stop: () => Promise<string[]> } {
  const seen = new Set<string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const pid of fs.readdirSync('/proc').filter(d => /^\d+$/.test(d))) {
        for (const what of ['cmdline', 'environ']) {
          try {
            if (fs.readFileSync(`/proc/${pid}/${what}`).includes(secret)) seen.add(`${pid} ${what}`);
          } catch {
            // the process is gone, or not ours to read
          }
        }
      }
      await new Promise(res => setTimeout(res, 20));
    }
  })();
  return { stop: async () => (running = false, await loop, [...seen]) };
}

test('the /proc watcher sees a secret in a short-lived process\'s argv and environment', async () => {
  const watch = watchProcesses('watcher-control-9d1c');
  await runCommand('sh', ['-c', 'sleep 0.3', 'watcher-control-9d1c'], { env: { ...process.env, CONTROL: 'watcher-control-9d1c' } });
  const seen = await watch.stop();
  expect(seen.some(s => s.endsWith('cmdline'))).toBe(true);
  expect(seen.some(s => s.endsWith('environ'))).toBe(true);
});

test('a passphrase key is unlocked once, the passphrase in no argv or env, and every Release is signed and verified', async () => {
  const key = await generateSigningKey({ passphrase: PASSPHRASE, userId: 'Unlock Test <unlock@mirror.example>' });
  const { manifests } = synthesizeBuild({
    signing: { mode: 'key', privateKey: key.privateKey, publicKey: key.publicKey, passphrase: PASSPHRASE, fingerprint: key.fingerprint },
    sources: ['bookworm', 'trixie'].map(dist => ({
      prefix: 'debian', name: dist, url: upstream.url, keyUrl: upstream.keyUrl, distribution: dist, components: ['main'], packages: ['chain-a'],
    })),
  });
  writeJobMounts(root, manifests, key.privateKey, PASSPHRASE);
  const gnupgDir = path.join(root, 'memory');
  fs.mkdirSync(gnupgDir, { mode: 0o700 });
  const workspace = path.join(root, 'workspace');
  const gpgLog = path.join(root, 'gpg.log');

  const watch = watchProcesses(PASSPHRASE);
  const child = spawn('node', [path.join(root, 'build', 'build-runner.js')], {
    env: {
      ...process.env,
      PATH: `${gpgShim(gpgLog)}:${process.env.PATH}`,
      MINI_MIRROR_SOURCES_DIR: path.join(root, 'sources'),
      MINI_MIRROR_BUILD_DIR: path.join(root, 'build'),
      MINI_MIRROR_SIGNING_DIR: path.join(root, 'signing'),
      MINI_MIRROR_WORKSPACE: workspace,
      MINI_MIRROR_GNUPG_DIR: gnupgDir,
    },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => output += d.toString());
  child.stderr.on('data', (d: Buffer) => output += d.toString());
  const code = await new Promise<number | null>(resolve => child.on('close', resolve));
  const leaks = await watch.stop();
  expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' });

  expect(leaks).toEqual([]);
  expect(output).not.toContain(PASSPHRASE);
  const calls = fs.readFileSync(gpgLog, 'utf8').trim().split('\n');
  expect(calls.join('\n')).not.toContain(PASSPHRASE);
  // One process read the passphrase (from the Secret's file); the four signatures of the two
  // Releases were made without it, at the build's fixed time.
  expect(calls.filter(c => / --passphrase/.test(c))).toEqual([expect.stringContaining(`--passphrase-file ${path.join(root, 'signing', 'passphrase')}`)]);
  const signing = calls.filter(c => / --faked-system-time /.test(c));
  expect(signing).toHaveLength(4);
  expect(signing.filter(c => / --passphrase/.test(c))).toEqual([]);

  // The signing home and its agent are gone.
  expect(fs.readdirSync(gnupgDir)).toEqual([]);
  const agents = await runCommand('pgrep', ['-f', `gpg-agent.*${gnupgDir}`]);
  expect(agents.stdout.trim()).toBe('');

  const publicDir = path.join(workspace, 'public');
  const nginx = await startNginx(publicDir);
  const client = await AptClient.create(['bookworm', 'trixie'].map(suite => ({ uri: `${nginx.url}/debian`, suite, components: ['main'], signedBy: key.publicKey })));
  try {
    await client.update();
  } finally {
    await client.dispose();
    await nginx.stop();
  }
}, 300_000);
