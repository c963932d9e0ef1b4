/**
 * An upstream key from a local binary keyring file (as Debian ships debian-archive-keyring.gpg)
 * holding several keys, with one pinned fingerprint (apt's Signed-By semantics): the build Job
 * (synthesized, run through the pod runner; the keyring reaches it as ConfigMap binaryData)
 * verifies with that key only and names it in its log; an upstream signed by another key of the
 * same keyring is refused, as apt-get refuses it with the pinned key as Signed-By.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { UpstreamKey } from '../../src';
import { AptClient } from '../support/apt-client';
import { HostileUpstream, startHostileUpstream } from '../support/hostile-upstream';
import { BuildResult, BuildSpec, removeBuild, runBuild, runChecked } from '../support/run-build';
import { GeneratedKey, generateSigningKey, withGnupgHome } from '../support/signing-key';

jest.setTimeout(240_000);

/** Nine archive keys, as many as Debian's archive keyring holds; the fifth is pinned. */
let keys: GeneratedKey[];
let pinned: GeneratedKey;
let keyringFile: string;
let tmp: string;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  keys = await Promise.all([...Array(9).keys()].map(i => generateSigningKey({ userId: `Archive Key ${i} <key${i}@archive.example>` })));
  pinned = keys[4];
  tmp = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mm-keyring-'));
  keyringFile = path.join(tmp, 'archive-keyring.gpg');
  // A real binary keyring, written by gpg as Debian's is (`gpg --export` without --armor).
  await withGnupgHome(async env => {
    for (const k of keys) await runChecked('gpg', ['--batch', '--import'], { env, input: k.publicKey });
    await runChecked('gpg', ['--batch', '--yes', '--output', keyringFile, '--export', ...keys.map(k => k.fingerprint)], { env });
  });
}, 120_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await fs.promises.rm(tmp, { recursive: true, force: true });
});

async function upstream(signer: GeneratedKey): Promise<HostileUpstream> {
  // Nothing serves the keyring the build uses: servedKey is only what keyUrl would give.
  const u = await startHostileUpstream({ signers: [signer], servedKey: signer.publicKey });
  cleanups.push(() => u.world.stop());
  return u;
}

/** The source with `key` (default: the keyring file) and the pin; `cluster`: Secrets and ConfigMaps the pod sees. */
async function build(
  u: HostileUpstream, key = UpstreamKey.fromFile(keyringFile), cluster: Pick<BuildSpec, 'secrets' | 'configMaps'> = {},
): Promise<BuildResult> {
  const r = await runBuild({
    signing: { mode: 'unsigned' },
    defaultAptlyConf: { architectures: ['amd64'] },
    ...cluster,
    sources: [{
      prefix: 'up',
      name: 'stable',
      url: u.url,
      keyUrl: u.keyUrl,
      key,
      distribution: 'stable',
      components: ['main'],
      packages: ['hello'],
      fingerprints: [pinned.fingerprint],
    }],
  });
  cleanups.push(() => removeBuild(r.rootDir));
  return r;
}

test('the keyring file is binary, holds nine keys, and reaches the Job as binaryData, not as shell', async () => {
  const bytes = await fs.promises.readFile(keyringFile);
  expect(bytes.subarray(0, 200).toString('latin1')).not.toContain('-----BEGIN');
  const u = await upstream(pinned);
  const r = await build(u);
  const maps = r.manifests.filter(m => m.kind === 'ConfigMap' && m.binaryData?.['up_stable_key.gpg']);
  expect(maps).toHaveLength(1);
  expect(Buffer.from(maps[0].binaryData['up_stable_key.gpg'], 'base64').equals(bytes)).toBe(true);
  const b64 = bytes.toString('base64').slice(0, 40);
  for (const m of r.manifests.filter(x => x.kind === 'Job')) expect(JSON.stringify(m)).not.toContain(b64);
  // the build itself: verified with the pinned key only, and the log names it
  if (r.exitCode !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
  const uid = '"Archive Key 4 <key4@archive.example>"';
  expect(r.stdout).toContain(`up/stable: upstream key ${pinned.fingerprint} ${uid} (pinned); 8 other keys in the key file ignored`);
  expect(r.stdout).toContain(`InRelease verified: signed by key ${pinned.fingerprint} ${uid}`);
  // the key came from the file: key_url was never asked
  expect(u.world.requests).not.toContain(new URL(u.keyUrl).pathname);
  expect(fs.existsSync(r.publicDir)).toBe(true);
});

test('an upstream signed by another key of the same keyring is refused, as apt refuses it', async () => {
  const other = keys[1];
  const u = await upstream(other);
  const r = await build(u);
  const out = `${r.stdout}\n${r.stderr}`;
  expect(r.exitCode).not.toBe(0);
  expect(out).toContain(`up/stable: the signature of ${u.url}/dists/stable/InRelease does not verify with the key from the key file: signed by ${other.fingerprint}, which is not pinned`);
  expect(fs.existsSync(r.publicDir)).toBe(false);
  expect(u.poolRequests()).toEqual([]);
  const apt = await AptClient.create([{ uri: u.url, suite: 'stable', components: ['main'], signedBy: pinned.publicKey }]);
  try {
    const v = await apt.apt('apt-get', ['update']);
    expect(`${v.stdout}\n${v.stderr}`).toMatch(/NO_PUBKEY|not signed/);
  } finally {
    await apt.dispose();
  }
});

test('the same keyring from a Secret of the user\'s: projected into the source\'s directory, read by the build', async () => {
  const u = await upstream(pinned);
  const secret = kplus.Secret.fromSecretName(Testing.chart(), 'keys', 'upstream-keys');
  const r = await build(u, UpstreamKey.fromSecret(secret, 'archive-keyring.gpg'), { secrets: { 'upstream-keys': { 'archive-keyring.gpg': await fs.promises.readFile(keyringFile) } } });
  if (r.exitCode !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
  const job = r.manifests.find(m => m.kind === 'Job');
  const sources = job.spec.template.spec.volumes.find((v: any) => v.name === 'sources');
  expect(sources.projected.sources).toContainEqual({ secret: { name: 'upstream-keys', items: [{ key: 'archive-keyring.gpg', path: 'up/stable/key' }] } });
  expect(r.stdout).toContain(`up/stable: upstream key ${pinned.fingerprint} "Archive Key 4 <key4@archive.example>" (pinned); 8 other keys in the key file ignored`);
  expect(r.stdout).toContain(`InRelease verified: signed by key ${pinned.fingerprint}`);
});

test('the same keyring from a ConfigMap of the user\'s (binaryData): projected into the source\'s directory, read by the build', async () => {
  const u = await upstream(pinned);
  const map = kplus.ConfigMap.fromConfigMapName(Testing.chart(), 'keys', 'upstream-keyring');
  const r = await build(u, UpstreamKey.fromConfigMap(map, 'archive-keyring.gpg'), { configMaps: { 'upstream-keyring': { 'archive-keyring.gpg': await fs.promises.readFile(keyringFile) } } });
  if (r.exitCode !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
  const job = r.manifests.find(m => m.kind === 'Job');
  const sources = job.spec.template.spec.volumes.find((v: any) => v.name === 'sources');
  expect(sources.projected.sources).toContainEqual({ configMap: { name: 'upstream-keyring', items: [{ key: 'archive-keyring.gpg', path: 'up/stable/key' }] } });
  expect(r.stdout).toContain(`up/stable: upstream key ${pinned.fingerprint} "Archive Key 4 <key4@archive.example>" (pinned); 8 other keys in the key file ignored`);
  expect(r.stdout).toContain(`InRelease verified: signed by key ${pinned.fingerprint}`);
});

test('a ConfigMap key the cluster does not hold fails the pod before the build, as the kubelet does', async () => {
  const u = await upstream(pinned);
  const map = kplus.ConfigMap.fromConfigMapName(Testing.chart(), 'keys', 'missing-keyring');
  await expect(build(u, UpstreamKey.fromConfigMap(map, 'archive-keyring.gpg'))).rejects.toThrow(/ConfigMap.*missing-keyring.*not found/);
});
