/**
 * The published Releases' dates and signatures, end to end through the build Job's mirror step:
 * the same inputs give a byte-identical tree (Release, InRelease, Release.gpg, indexes, manifest),
 * a changed upstream a different one; the Date comes from the upstream, not the clock; apt
 * verifies every signature (Signed-By); with validFor apt accepts the mirror until Valid-Until and
 * refuses it after ("is expired").
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration } from 'cdk8s';
import { SigningConfig } from '../../src/runner/build-json-reader';
import { parseRelease } from '../../src/runner/deb/release-info';
import { BuildLog } from '../../src/runner/log';
import { setupSigning } from '../../src/runner/pgp/release-signer';
import { ChildProcesses } from '../../src/runner/proc';
import { buildEpoch, finishReleases, releaseDate } from '../../src/runner/release-writer';
import { startNginx } from '../serving/nginx-process';
import { AptClient } from '../support/apt-client';
import { DEFAULT_RELEASE_DATE } from '../support/archive-builder';
import { DEFAULT_ARCHIVE, FakeArchive, FakeUpstream, FakeUpstreamHandle } from '../support/fake-upstream';
import { FakeWorld } from '../support/fake-world';
import { BuildResult, BuildSpec, removeBuild, runBuild, runChecked, runCommand } from '../support/run-build';
import { swappableNginxConf } from '../support/served-mirror';
import { GeneratedKey, generateSigningKey, withGnupgHome } from '../support/signing-key';

/** This file's child processes (a build has its own, from its BuildRun). */
const procs = new ChildProcesses();

const PASSPHRASE = 'dates and signatures';

/** DEFAULT_ARCHIVE with chain-c rebuilt (same name and version, other bytes): a changed upstream. */
const CHANGED_ARCHIVE: FakeArchive = {
  ...DEFAULT_ARCHIVE,
  components: {
    ...DEFAULT_ARCHIVE.components,
    main: DEFAULT_ARCHIVE.components.main.map(p => p.name === 'chain-c' ? { ...p, flavor: 'rebuilt' } : p),
  },
};

let upstream: FakeUpstreamHandle;
let changed: FakeUpstreamHandle;
let key: GeneratedKey;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  [upstream, changed, key] = await Promise.all([
    FakeUpstream.start(),
    FakeUpstream.start({ archive: CHANGED_ARCHIVE }),
    generateSigningKey({ passphrase: PASSPHRASE, userId: 'Dates Test <dates@mirror.example>' }),
  ]);
  cleanups.push(() => upstream.stop(), () => changed.stop());
}, 120_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function spec(from: FakeUpstreamHandle, extra: Partial<BuildSpec> = {}): BuildSpec {
  return {
    sources: [{ prefix: 'debian', name: 'bookworm', url: from.url, keyUrl: from.keyUrl, distribution: 'bookworm', components: ['main'], packages: ['chain-a'] }],
    signing: { mode: 'key', privateKey: key.privateKey, publicKey: key.publicKey, passphrase: PASSPHRASE, fingerprint: key.fingerprint },
    ...extra,
  };
}

async function build(s: BuildSpec): Promise<BuildResult> {
  const r = await runBuild(s);
  cleanups.push(() => removeBuild(r.rootDir));
  if (r.exitCode !== 0) throw new Error(`build failed (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Every file below `dir` (relative path -> bytes, symlinks as their target). */
function treeOf(dir: string, rel = ''): Map<string, string> {
  const files = new Map<string, string>();
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) treeOf(dir, p).forEach((v, k) => files.set(k, v));
    else if (e.isSymbolicLink()) files.set(p, `-> ${fs.readlinkSync(path.join(dir, p))}`);
    else files.set(p, fs.readFileSync(path.join(dir, p)).toString('base64'));
  }
  return files;
}

/** The Date of the upstream Release the fake upstream serves. */
async function upstreamDate(from: FakeUpstreamHandle): Promise<string> {
  const res = await fetch(`${from.url}/dists/bookworm/Release`);
  return parseRelease(await res.text(), 'dists/bookworm/').date!;
}

/**
 * A tree as the serving image holds it: readable by nginx's unprivileged user, and every file with
 * one mtime (bake-image-oci.sh's reproducible layer), whichever build it comes from.
 */
async function likeTheImage(publicDir: string): Promise<void> {
  for (let dir = path.dirname(publicDir); dir !== os.tmpdir() && dir !== '/'; dir = path.dirname(dir)) await fs.promises.chmod(dir, 0o755);
  await runChecked('chmod', ['-R', 'a+rX', publicDir]);
  await runChecked('find', [publicDir, '-exec', 'touch', '-h', '-d', '@1686387600', '{}', '+']);
}

async function aptClient(publicDir: string): Promise<AptClient> {
  // The synthesized nginx.conf, as clients meet it (its caching headers decide what apt refetches);
  // the tests replace its tree under it, so without the open-file cache.
  await likeTheImage(publicDir);
  const nginx = await startNginx(swappableNginxConf(), publicDir);
  cleanups.push(() => nginx.stop());
  const client = await AptClient.create([{ uri: `${nginx.url}/debian`, suite: 'bookworm', components: ['main'], signedBy: key.publicKey }]);
  cleanups.push(() => client.dispose());
  return client;
}

test('the same inputs give a byte-identical signed tree, dated from the upstream; a changed upstream gives another', async () => {
  const first = await build(spec(upstream));
  const second = await build(spec(upstream));
  const a = treeOf(first.publicDir);
  const b = treeOf(second.publicDir);
  for (const f of ['debian/dists/bookworm/Release', 'debian/dists/bookworm/InRelease', 'debian/dists/bookworm/Release.gpg',
    'debian/dists/bookworm/main/binary-amd64/Packages.gz', 'manifest.json', 'mirror-key.asc']) {
    expect(a.has(f)).toBe(true);
  }
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  const differing = [...a.keys()].filter(f => a.get(f) !== b.get(f));
  expect(differing).toEqual([]);

  // The Date is the upstream's (or the key's creation, when later), not the build's clock.
  const release = fs.readFileSync(path.join(first.publicDir, 'debian/dists/bookworm/Release'), 'utf8');
  const keyCreated = Number(/^sec:[^:]*:[^:]*:[^:]*:[^:]*:(\d+)/m.exec(await colonsOf(key.privateKey))![1]);
  const expected = buildEpoch([await upstreamDate(upstream)], keyCreated);
  expect(release).toContain(`\nDate: ${releaseDate(expected)}\n`);
  expect(release).not.toMatch(/Valid-Until/);
  const manifest = JSON.parse(fs.readFileSync(path.join(first.publicDir, 'manifest.json'), 'utf8'));
  expect(Date.parse(manifest.builtAt) / 1000).toBe(expected);

  // apt verifies InRelease with Signed-By and installs from it; and Release + Release.gpg alone.
  const client = await aptClient(first.publicDir);
  await client.update();
  expect((await client.simulateInstall(['chain-a'])).map(p => p.name).sort()).toEqual(['chain-a', 'chain-b', 'chain-c']);
  fs.rmSync(path.join(second.publicDir, 'debian/dists/bookworm/InRelease'));
  const detached = await aptClient(second.publicDir);
  await detached.update();

  const other = await build(spec(changed));
  const c = treeOf(other.publicDir);
  expect(c.get('debian/dists/bookworm/main/binary-amd64/Packages')).not.toBe(a.get('debian/dists/bookworm/main/binary-amd64/Packages'));
  expect(c.get('debian/dists/bookworm/InRelease')).not.toBe(a.get('debian/dists/bookworm/InRelease'));
  expect(c.get('manifest.json')).not.toBe(a.get('manifest.json'));
}, 300_000);

test('with validFor the Release has Valid-Until: apt accepts it, and refuses it once expired', async () => {
  const r = await build(spec(upstream, { validFor: Duration.days(3650) }));
  const dir = path.join(r.publicDir, 'debian/dists/bookworm');
  const fields = parseRelease(fs.readFileSync(path.join(dir, 'Release'), 'utf8'), '').fields;
  const date = Date.parse(fields.get('Date')!) / 1000;
  expect(Date.parse(fields.get('Valid-Until')!) / 1000).toBe(date + 3650 * 86400);
  const client = await aptClient(r.publicDir);
  await client.update();

  // The same tree re-dated and re-signed by the runner's own code with a Valid-Until one second
  // after its Date, a few seconds ago: expired by the time apt reads it.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mmd-'));
  const signingDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mmd-secret-'));
  cleanups.push(async () => {
    fs.rmSync(signingDir, { recursive: true, force: true });
  });
  fs.writeFileSync(path.join(signingDir, 'key.asc'), key.privateKey);
  fs.writeFileSync(path.join(signingDir, 'pass'), PASSPHRASE);
  const config: SigningConfig = { mode: 'key', privateKeyFile: 'key.asc', passphraseFile: 'pass', fingerprint: key.fingerprint };
  const log = new BuildLog();
  jest.spyOn(log, 'step').mockImplementation(() => undefined);
  const signer = (await setupSigning(config, { signingDir, home }, log, procs))!;
  try {
    const past = Math.max(signer.keyTime, Math.floor(Date.now() / 1000) - 3);
    // `now` at the Date: past the runner's own refusal to publish an expired Release.
    await finishReleases(r.publicDir, [{ prefix: 'debian', distribution: 'bookworm' }], { date: past, validForSeconds: 1, nowMs: past * 1000 }, signer);
  } finally {
    await runCommand('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: home } });
    fs.rmSync(home, { recursive: true, force: true });
  }
  await new Promise(res => setTimeout(res, 2500));
  const refused = await client.apt('apt-get', ['update']);
  expect(refused.stdout + refused.stderr).toMatch(/is expired/);
}, 300_000);

async function colonsOf(keyText: string): Promise<string> {
  return withGnupgHome(async env => (await runChecked('gpg', ['--batch', '--with-colons', '--import-options', 'show-only', '--import'], { env, input: keyText })).stdout);
}

test('a rebuild with other packages from an unchanged upstream keeps the Date, and an apt client that has the first build takes the second', async () => {
  const first = await build(spec(upstream));
  const second = await build({ ...spec(upstream), sources: [{ ...spec(upstream).sources[0], packages: ['chain-a', 'multi (= 2.0)'] }] });
  const dateOf = (r: BuildResult) => /^Date: .*$/m.exec(fs.readFileSync(path.join(r.publicDir, 'debian/dists/bookworm/Release'), 'utf8'))![0];
  expect(dateOf(second)).toBe(dateOf(first));
  expect(fs.readFileSync(path.join(second.publicDir, 'debian/dists/bookworm/InRelease'))).not.toEqual(fs.readFileSync(path.join(first.publicDir, 'debian/dists/bookworm/InRelease')));

  // One URL: the first build served, the client updates, then the second build in its place.
  const served = path.join(first.rootDir, 'served');
  fs.renameSync(first.publicDir, served);
  const client = await aptClient(served);
  await client.update();
  expect(await client.versions('multi')).toEqual([]);
  fs.rmSync(served, { recursive: true });
  await likeTheImage(second.publicDir);
  fs.renameSync(second.publicDir, served);
  await client.update();
  expect(await client.versions('multi')).toEqual(['2.0']);
}, 300_000);

test('an apt client holding a tree aptly wrote takes the next build, whose indexes the runner wrote (the switch on a mirror built before), and downloads from it', async () => {
  // A regular expression leaves the choice, the mirror and the publish to aptly; plain names, to the runner.
  const byAptly = await build({ ...spec(upstream), sources: [{ ...spec(upstream).sources[0], packages: ['Name (~ ^chain-a$)'] }] });
  const byRunner = await build({ ...spec(upstream), sources: [{ ...spec(upstream).sources[0], packages: ['chain-a', 'multi (= 2.0)'] }] });
  const releaseOf = (r: BuildResult) => fs.readFileSync(path.join(r.publicDir, 'debian/dists/bookworm/Release'), 'utf8');
  expect(releaseOf(byAptly)).toMatch(/^Description: Generated by aptly$/m);
  expect(releaseOf(byRunner)).toMatch(/^Description: Generated by cdk8s-mini-mirror$/m);
  // The pool layout is the same: what the first build served is where the second serves it.
  const poolOf = (r: BuildResult) => [...treeOf(path.join(r.publicDir, 'debian/pool')).keys()];
  expect(poolOf(byRunner)).toEqual(expect.arrayContaining(poolOf(byAptly)));

  const served = path.join(byAptly.rootDir, 'served');
  fs.renameSync(byAptly.publicDir, served);
  const client = await aptClient(served);
  await client.update();
  expect(await client.versions('chain-a')).toEqual(['1.0']);
  expect(await client.versions('multi')).toEqual([]);
  fs.rmSync(served, { recursive: true });
  await likeTheImage(byRunner.publicDir);
  fs.renameSync(byRunner.publicDir, served);
  const updated = await client.apt('apt-get', ['update']);
  expect(updated.stdout + updated.stderr).not.toMatch(/^(W|E):/m);
  expect(await client.versions('multi')).toEqual(['2.0']);
  // apt checks every file against the runner's Packages (size, SHA256) as it downloads it.
  const fetched = await client.apt('apt-get', ['install', '--download-only', '-y', 'chain-a', 'multi']);
  expect(fetched.exitCode).toBe(0);
  const archives = fs.readdirSync(path.join(client.root, 'var/cache/apt/archives')).filter(f => f.endsWith('.deb')).sort();
  expect(archives).toEqual(expect.arrayContaining(['chain-a_1.0_all.deb', expect.stringMatching(/^multi_2\.0_/)]));
}, 300_000);

test('an upstream Release dated in the future fails the build naming it, publishing nothing; apt refuses that upstream too', async () => {
  const date = 'Mon, 1 Jan 2080 00:00:00 UTC';
  const w = await FakeWorld.start({
    archives: [{
      kind: 'dists',
      path: 'future',
      distributions: [{ name: 'bookworm', architectures: ['amd64'], date, components: { main: [{ name: 'solo', version: '1.0' }] } }],
    }],
  });
  cleanups.push(() => w.stop());
  const archive = w.archives.future;
  const r = await runBuild({
    ...spec(upstream),
    sources: [{ prefix: 'future', name: 'bookworm', url: archive.url, keyUrl: archive.keyUrl, distribution: 'bookworm', components: ['main'], packages: ['solo'] }],
  });
  cleanups.push(() => removeBuild(r.rootDir));
  expect(r.exitCode).not.toBe(0);
  expect(r.stderr).toMatch(new RegExp(`ERROR: future/bookworm: \\S+/future/dists/bookworm/InRelease is not valid yet: its Date ${date} is in the future`));
  expect(fs.existsSync(r.publicDir)).toBe(false);

  const client = await AptClient.create([{ uri: archive.url, suite: 'bookworm', components: ['main'], signedBy: archive.key.armored }]);
  cleanups.push(() => client.dispose());
  const refused = await client.apt('apt-get', ['update']);
  expect(refused.stdout + refused.stderr).toMatch(/not valid yet/);
}, 300_000);

/** A signing key created in 2020 (gpg with a faked clock), no passphrase, no expiry. */
async function keyFrom2020(): Promise<{ privateKey: string; publicKey: string; fingerprint: string }> {
  return withGnupgHome(async env => {
    await runChecked('gpg', ['--batch', '--faked-system-time', '20200101T000000', '--pinentry-mode', 'loopback', '--passphrase', '',
      '--quick-gen-key', 'Old Key <old@mirror.example>', 'ed25519', 'sign', '0'], { env });
    const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec((await runChecked('gpg', ['--batch', '--with-colons', '--list-secret-keys'], { env })).stdout)![1];
    const privateKey = (await runChecked('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--armor', '--export-secret-keys', fingerprint], { env })).stdout;
    const publicKey = (await runChecked('gpg', ['--batch', '--armor', '--export', fingerprint], { env })).stdout;
    return { privateKey, publicKey, fingerprint };
  });
}

test('a validFor shorter than the upstream Releases\' age fails the build before publishing, saying what to do', async () => {
  const w = await FakeWorld.start({
    archives: [{ kind: 'dists', path: 'old', distributions: [{ name: 'bookworm', architectures: ['amd64'], components: { main: [{ name: 'solo', version: '1.0' }] } }] }],
  });
  cleanups.push(() => w.stop());
  const archive = w.archives.old;
  const old = await keyFrom2020();
  const r = await runBuild({
    signing: { mode: 'key', ...old },
    validFor: Duration.days(7),
    sources: [{ prefix: 'old', name: 'bookworm', url: archive.url, keyUrl: archive.keyUrl, distribution: 'bookworm', components: ['main'], packages: ['solo'] }],
  });
  cleanups.push(() => removeBuild(r.rootDir));
  expect(r.exitCode).not.toBe(0);
  // The upstream Release is from archive-builder's DEFAULT_RELEASE_DATE, newer than the key.
  expect(r.stderr).toContain(`ERROR: the published Releases would be expired already: their Date is the newest upstream Release Date or the signing key's time (${releaseDate(Date.parse(DEFAULT_RELEASE_DATE) / 1000)}), `
    + `so validFor (604800s) ends at ${releaseDate(Date.parse(DEFAULT_RELEASE_DATE) / 1000 + 604800)}: set validFor longer than the age of the upstream Releases`);
  expect(fs.existsSync(r.publicDir)).toBe(false);
}, 300_000);
