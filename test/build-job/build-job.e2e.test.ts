/**
 * End-to-end tests of assets/build-mirror.sh: a fake signed upstream (aptly + gpg) served from
 * this process, the real build script (aptly, gpg, curl, jq), nginx serving the result and real
 * apt-get checking signatures and dependencies. Needs root and Debian's aptly/gnupg/nginx/apt.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ManifestPackage } from '../../src/runner/history/manifest';
import { AptClient } from '../support/apt-client';
import { ALT_ARCHIVE, FakeUpstream, FakeUpstreamHandle } from '../support/fake-upstream';
import { startNginx } from '../support/nginx';
import { expectBuildFailed } from '../support/build-verdicts';
import { BuildResult, BuildSourceSpec, BuildSpec, removeBuild, runBuild } from '../support/run-build';
import { GeneratedKey, generateSigningKey, keyFileFingerprints } from '../support/signing-key';

/** A package entry of manifest.json, as the runner writes it. */
type ManifestEntry = ManifestPackage;

interface Manifest {
  contentHash: string;
  builtAt: string;
  packages: ManifestEntry[];
}

const PASSPHRASE = 'correct horse battery staple';

let upstream: FakeUpstreamHandle;
/** ed25519, protected by PASSPHRASE */
let mirrorKey: GeneratedKey;
/** rsa3072, no passphrase */
let plainKey: GeneratedKey;
const toStop: Array<() => Promise<void>> = [];
const buildDirs: string[] = [];

beforeAll(async () => {
  [upstream, mirrorKey, plainKey] = await Promise.all([
    FakeUpstream.start(),
    generateSigningKey({ passphrase: PASSPHRASE, userId: 'Test Mirror <mirror@example.com>' }),
    generateSigningKey({ userId: 'Test Mirror Plain <plain@example.com>', algorithm: 'rsa3072' }),
  ]);
  toStop.push(() => upstream.stop());
}, 120_000);

afterAll(async () => {
  for (const stop of toStop.reverse()) await stop();
  for (const dir of buildDirs) await removeBuild(dir);
});

async function startUpstream(options: Parameters<typeof FakeUpstream.start>[0]): Promise<FakeUpstreamHandle> {
  const handle = await FakeUpstream.start(options);
  toStop.push(() => handle.stop());
  return handle;
}

async function build(spec: BuildSpec): Promise<BuildResult> {
  const result = await runBuild(spec);
  if (!buildDirs.includes(result.rootDir)) buildDirs.push(result.rootDir);
  return result;
}

function keySigning(key: GeneratedKey = mirrorKey): BuildSpec['signing'] {
  return { mode: 'key', privateKey: key.privateKey, publicKey: key.publicKey, passphrase: key.passphrase, fingerprint: key.fingerprint };
}

/** debian/bookworm from `from` (default: the shared upstream), main + contrib. */
function source(overrides: Partial<BuildSourceSpec> & { from?: FakeUpstreamHandle } = {}): BuildSourceSpec {
  const { from, ...rest } = overrides;
  const up = from ?? upstream;
  return {
    prefix: 'debian',
    name: 'bookworm',
    url: up.url,
    keyUrl: up.keyUrl,
    distribution: 'bookworm',
    components: ['main', 'contrib'],
    packages: ['chain-a'],
    ...rest,
  };
}

function describeResult(r: BuildResult): string {
  return `exit ${r.exitCode}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

function expectSuccess(r: BuildResult): void {
  if (r.exitCode !== 0) throw new Error(`build failed: ${describeResult(r)}`);
  expect(fs.existsSync(path.join(r.publicDir, 'manifest.json'))).toBe(true);
  // nothing left behind in the workspace but public/
  expect(fs.readdirSync(r.workspace)).toEqual(['public']);
}

function expectFailure(r: BuildResult, ...patterns: RegExp[]): void {
  expectBuildFailed(r, ...patterns);
  expect(fs.readdirSync(r.workspace)).toEqual([]);
}

function releaseFields(publicDir: string, prefix: string, dist: string): Record<string, string> {
  const text = fs.readFileSync(path.join(publicDir, prefix, 'dists', dist, 'Release'), 'utf8');
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z-]+): (.*)$/.exec(line);
    if (m) fields[m[1]] = m[2];
  }
  return fields;
}

function readManifest(publicDir: string): Manifest {
  return JSON.parse(fs.readFileSync(path.join(publicDir, 'manifest.json'), 'utf8'));
}

/** "name version arch" of every manifest entry of one prefix/dist, sorted. */
function packageSet(m: Manifest, prefix: string, dist: string): string[] {
  return m.packages.filter((p) => p.prefix === prefix && p.distribution === dist)
    .map((p) => `${p.name} ${p.version} ${p.architecture}`).sort();
}

/** Every Packages stanza of the published tree as manifest entries. */
function entriesFromPackagesFiles(publicDir: string): ManifestEntry[] {
  const result = new Map<string, ManifestEntry>();
  for (const prefix of fs.readdirSync(publicDir)) {
    const dists = path.join(publicDir, prefix, 'dists');
    if (!fs.existsSync(dists)) continue;
    for (const dist of fs.readdirSync(dists)) {
      for (const component of fs.readdirSync(path.join(dists, dist))) {
        const compDir = path.join(dists, dist, component);
        if (!fs.statSync(compDir).isDirectory()) continue;
        for (const archDir of fs.readdirSync(compDir).filter((d) => d.startsWith('binary-'))) {
          const text = fs.readFileSync(path.join(compDir, archDir, 'Packages'), 'utf8');
          for (const stanza of text.split(/\n\n+/).filter((s) => s.trim())) {
            const f: Record<string, string> = {};
            for (const line of stanza.split('\n')) {
              const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
              if (m) f[m[1]] = m[2];
            }
            const e: ManifestEntry = {
              prefix,
              distribution: dist,
              component,
              name: f.Package,
              version: f.Version,
              architecture: f.Architecture,
              size: Number(f.Size),
              sha256: f.SHA256,
              filename: f.Filename,
            };
            result.set(JSON.stringify([prefix, dist, component, e.name, e.version, e.architecture]), e);
          }
        }
      }
    }
  }
  return [...result.values()];
}

function sortEntries(entries: ManifestEntry[]): ManifestEntry[] {
  const key = (e: ManifestEntry) => [e.prefix, e.distribution, e.component, e.name, e.version, e.architecture].join('\0');
  return [...entries].sort((a, b) => key(a).localeCompare(key(b)));
}

describe('the build Job (mirror step run from the synthesized Job)', () => {
  test('builds, signs and publishes two sources that apt can use', async () => {
    const spec: BuildSpec = {
      signing: keySigning(),
      sources: [
        source({
          packages: ['chain-a', 'multi (>= 2.0)', 'arch-tool', 'contrib-tool', 'rec-main', 'alt-user'],
          architectures: ['amd64'],
          fingerprints: [upstream.fingerprint],
          // the source's own aptly.conf replaces the default one (Recommends are followed by default anyway)
          aptlyConf: { architectures: ['amd64', 'arm64'], dependencyFollowRecommends: true },
        }),
        source({
          prefix: 'extra',
          name: 'old-multi',
          distribution: 'trixie',
          components: ['main'],
          packages: ['multi (<< 2)', 'rec-main', 'arch-tool'],
          origin: 'Extra Mirror',
        }),
      ],
    };
    const first = await build(spec);
    expectSuccess(first);
    const pub = first.publicDir;

    // progress a person can follow
    expect(first.stdout).toMatch(/^\[\d+\] debian\/bookworm: \d+ packages, [\d.]+ (B|KiB|MiB) \(main, contrib; amd64\)$/m);
    expect(first.stdout).toMatch(/^\[\d+\] extra\/old-multi: published extra\/dists\/trixie \(main\): 5 packages/m);
    expect(first.stdout).toMatch(/^\[\d+\] world bookworm: dose-debcheck installs all \d+ requested packages \(amd64\)$/m);
    expect(first.stdout).toMatch(/^timing: signing [\d.]+s, keys [\d.]+s, indexes [\d.]+s, download [\d.]+s, query check [\d.]+s, closure [\d.]+s, publish [\d.]+s, merge [\d.]+s, judge [\d.]+s, manifest [\d.]+s; total [\d.]+s$/m);
    expect(first.stdout).toMatch(/^done: 2 sources, \d+ packages, /m);
    // what each source will download, before it does
    expect(first.stdout).toMatch(/^extra\/old-multi: will fetch 5 packages, [\d.]+ (B|KiB) \(0 packages, 0 B reused\)$/m);

    // layout
    for (const f of ['InRelease', 'Release', 'Release.gpg']) {
      expect(fs.existsSync(path.join(pub, 'debian/dists/bookworm', f))).toBe(true);
    }
    expect(fs.existsSync(path.join(pub, 'debian/dists/bookworm/main/binary-arm64'))).toBe(false); // architectures: [amd64]
    expect(fs.existsSync(path.join(pub, 'extra/dists/trixie/main/binary-arm64/Packages'))).toBe(true); // default config
    expect(await keyFileFingerprints(fs.readFileSync(path.join(pub, 'mirror-key.asc'), 'utf8'))).toEqual([mirrorKey.fingerprint]);

    // Origin/Label/Suite: upstream's unless overridden; Codename is the distribution
    const debRelease = releaseFields(pub, 'debian', 'bookworm');
    expect(debRelease).toMatchObject({ Origin: 'Fake Upstream', Label: 'Fake Upstream Label', Suite: 'stable', Codename: 'bookworm' });
    const extraRelease = releaseFields(pub, 'extra', 'trixie');
    expect(extraRelease).toMatchObject({ Origin: 'Extra Mirror', Label: 'Fake Upstream Testing', Suite: 'testing', Codename: 'trixie' });

    // exactly the requested packages and their dependencies, across components
    const manifest = readManifest(pub);
    expect(manifest.contentHash).toBe(first.contentHash);
    expect(manifest.builtAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(packageSet(manifest, 'debian', 'bookworm')).toEqual([
      'alt-user 1.0 all', 'alt-y 1.0 all', 'arch-tool 1.0 amd64', 'chain-a 1.0 all', 'chain-b 1.0 all', 'chain-c 1.0 all',
      'contrib-deep 1.0 all', 'contrib-helper 1.0 all', 'contrib-tool 1.0 all', 'main-lib 1.0 all', 'main-lib-dep 1.0 all',
      'multi 2.0 all', 'multi 3.0 all', 'rec-extra 1.0 all', 'rec-main 1.0 all',
    ]);
    expect(packageSet(manifest, 'extra', 'trixie')).toEqual([
      'arch-tool 1.0 amd64', 'arch-tool 1.0 arm64', 'multi 1.0 all', 'rec-extra 1.0 all', 'rec-main 1.0 all',
    ]);
    const comp = (name: string) => manifest.packages.find((p) => p.prefix === 'debian' && p.name === name)?.component;
    expect([comp('main-lib'), comp('contrib-deep'), comp('alt-y')]).toEqual(['main', 'contrib', 'main']);

    // the manifest matches the published indices and the pool files
    expect(sortEntries(manifest.packages)).toEqual(sortEntries(entriesFromPackagesFiles(pub)));
    for (const p of manifest.packages) {
      const data = fs.readFileSync(path.join(pub, p.prefix, p.filename));
      expect([data.length, crypto.createHash('sha256').update(data).digest('hex')]).toEqual([p.size, p.sha256]);
    }
    expect(fs.readdirSync(path.join(pub, 'debian/dists/bookworm/main/binary-amd64/by-hash/SHA256')).length).toBeGreaterThan(0);

    // served by nginx, checked by apt with Signed-By the exported key
    const nginx = await startNginx(pub);
    toStop.push(() => nginx.stop());
    const mirrorPub = fs.readFileSync(path.join(pub, 'mirror-key.asc'), 'utf8');
    const debian = await AptClient.create([{ uri: `${nginx.url}/debian`, suite: 'bookworm', components: ['main', 'contrib'], signedBy: mirrorPub }]);
    const extra = await AptClient.create([{ uri: `${nginx.url}/extra`, suite: 'trixie', components: ['main'], signedBy: mirrorPub }],
      { foreignArchitectures: ['arm64'] });
    const wrongKey = await AptClient.create([{ uri: `${nginx.url}/debian`, suite: 'bookworm', components: ['main'], signedBy: plainKey.publicKey }]);
    toStop.push(() => debian.dispose(), () => extra.dispose(), () => wrongKey.dispose());
    await debian.update();
    await extra.update();
    await expect(wrongKey.update()).rejects.toThrow(/NO_PUBKEY|not signed|signature/i);

    const plan = await debian.simulateInstall(['chain-a', 'contrib-tool', 'alt-user', 'arch-tool', 'multi']);
    expect(plan.map((p) => `${p.name} ${p.version} ${p.architecture}`).sort()).toEqual([
      'alt-user 1.0 all', 'alt-y 1.0 all', 'arch-tool 1.0 amd64', 'chain-a 1.0 all', 'chain-b 1.0 all', 'chain-c 1.0 all',
      'contrib-deep 1.0 all', 'contrib-helper 1.0 all', 'contrib-tool 1.0 all', 'main-lib 1.0 all', 'main-lib-dep 1.0 all',
      'multi 3.0 all',
    ]);
    expect(await debian.versions('multi')).toEqual(['3.0', '2.0']);
    expect(await extra.versions('multi')).toEqual(['1.0']);
    expect(await debian.policy('rec-extra')).toMatch(/Candidate: 1\.0/);
    for (const decoy of ['decoy-main', 'decoy-contrib', 'chain-extra', 'arm-only', 'needs-ghost', 'multi=1.0']) {
      await expect(debian.simulateInstall([decoy])).rejects.toThrow(/Unable to locate|not found/);
    }
    // Recommends are mirrored by default (apt installs them), with or without the source's own aptly.conf.
    expect(await extra.policy('rec-extra')).toMatch(/Candidate: 1\.0/);
    expect((await extra.simulateInstall(['arch-tool:arm64']))[0]).toEqual({ name: 'arch-tool', version: '1.0', architecture: 'arm64' });

    // a rebuild into the same workspace replaces public/ and keeps Origin/Label/Suite
    const second = await build({ ...spec, rootDir: first.rootDir });
    expectSuccess(second);
    expect(releaseFields(second.publicDir, 'debian', 'bookworm')).toMatchObject(
      { Origin: debRelease.Origin, Label: debRelease.Label, Suite: debRelease.Suite, Codename: debRelease.Codename });
    expect(releaseFields(second.publicDir, 'extra', 'trixie')).toMatchObject(
      { Origin: extraRelease.Origin, Label: extraRelease.Label, Suite: extraRelease.Suite, Codename: extraRelease.Codename });
    expect(sortEntries(readManifest(second.publicDir).packages)).toEqual(sortEntries(manifest.packages));
    // nginx now serves the rebuilt tree: apt refuses an update whose Origin/Label/Suite changed
    await debian.update();
  });

  test('fails when the upstream Release is signed by another key than key_url serves', async () => {
    const impostor = await startUpstream({ keyOverride: 'impostor' });
    const r = await build({ signing: keySigning(), sources: [source({ from: impostor })] });
    expectFailure(r, /debian\/bookworm: the signature of .*InRelease does not verify with the key from key_url/);
    expect(impostor.requests.filter((p) => p.includes('/pool/'))).toEqual([]);
  });

  test('fails before any download when the key does not match the pinned fingerprint', async () => {
    const fresh = await startUpstream({});
    const r = await build({
      signing: keySigning(),
      sources: [source({ from: fresh, fingerprints: [fresh.impostorFingerprint] })],
    });
    expectFailure(r, /debian\/bookworm: upstream key fingerprints do not match the pin/,
      new RegExp(`expected ${fresh.impostorFingerprint}`), new RegExp(`provides ${fresh.fingerprint}`));
    expect(fresh.requests).toEqual(['/key.asc']);
  });

  test('fails naming a query that matches no package, and the source it belongs to', async () => {
    const r = await build({
      signing: keySigning(),
      sources: [
        source({ prefix: 'good', packages: ['chain-a'] }),
        source({ packages: ['chain-a', 'no-such-package (>= 1.0)', 'chian-b'] }),
      ],
    });
    expectFailure(r, /query "no-such-package \(>= 1\.0\)" in debian\/bookworm\/packages\.txt matched no package; upstream has no package "no-such-package" in main, contrib \(2 queries matched none: "no-such-package \(>= 1\.0\)", "chian-b"\)/);
    // the failed source is named and its log printed, each line prefixed with the source
    expect(r.stderr).toMatch(/^source debian\/bookworm failed: query "no-such-package/m);
    expect(r.stderr).toMatch(/^debian\/bookworm \| .*successfully updated/m);
    expect(r.stderr).not.toMatch(/^source good\/bookworm failed/m);
  });

  test('a query that matches no package says what upstream has instead: the versions of that name, or the closest names', async () => {
    const versions = await build({ signing: keySigning(), sources: [source({ packages: ['multi (>= 9.0)'] })] });
    expectFailure(versions, /query "multi \(>= 9\.0\)" in debian\/bookworm\/packages\.txt matched no package; upstream has multi 3\.0 all, 2\.0 all, 1\.0 all$/m);
    const typo = await build({ signing: keySigning(), sources: [source({ packages: ['chian-b'] })] });
    expectFailure(typo, /query "chian-b" in debian\/bookworm\/packages\.txt matched no package; upstream has no package "chian-b", closest: chain-b, chain-a, chain-c$/m);
  });

  test('the dependency gate lists dependencies found in no component', async () => {
    const gated = await build({ signing: keySigning(), sources: [source({ packages: ['needs-ghost', 'chain-a'] })] });
    expectFailure(gated, /world bookworm: 1 unresolved dependencies that no upstream of the world \(debian\/bookworm\) provides/,
      /ghost-lib \(>= 1\.0\) \[amd64, arm64\], needed by needs-ghost 1\.0 \(requested from debian\/bookworm\)/);

    const ungated = await build({ signing: keySigning(), sources: [source({ packages: ['needs-ghost'], dependencyGate: false })] });
    expectSuccess(ungated);
    expect(ungated.stdout).toMatch(/WARNING: world bookworm: missing dependency \(allowed by allowMissingDependencies\): ghost-lib \(>= 1\.0\) \[amd64, arm64\], needed by needs-ghost 1\.0 \(requested from debian\/bookworm\)/);
  });

  // The unlock runs while the key and the Release download; packages wait for it.
  test('fails before any package download with a wrong passphrase', async () => {
    const fresh = await startUpstream({});
    const r = await build({ signing: { ...keySigning(), passphrase: 'wrong passphrase' } as BuildSpec['signing'], sources: [source({ from: fresh })] });
    expectFailure(r, /wrong passphrase/);
    expect(fresh.requests.filter(p => p.endsWith('.deb'))).toEqual([]);
    expect(r.stdout).not.toMatch(/will fetch|prefetched|published/);
  });

  test('fails before any package download when the Secret holds an expired copy of the signing key', async () => {
    const renewed = await generateSigningKey({ expiredPrivateKey: true });
    const fresh = await startUpstream({});
    const r = await build({ signing: keySigning(renewed), sources: [source({ from: fresh })] });
    expectFailure(r, new RegExp(`cannot sign with the release signing key ${renewed.fingerprint}: it has expired in the Secret`));
    expect(fresh.requests.filter(p => p.endsWith('.deb'))).toEqual([]);
    expect(r.stdout).not.toMatch(/will fetch|prefetched|published/);
  });

  test('fails on a corrupted package (checksum mismatch), whether the runner indexes the packages or aptly does', async () => {
    const corrupt = await startUpstream({ corrupt: /chain-c_1\.0_all\.deb$/ });
    const r = await build({ signing: keySigning(), retries: 2, sources: [source({ from: corrupt })] });
    expectFailure(r, /ERROR: debian\/bookworm: http:\/\/127\.0\.0\.1:\d+\/debian\/pool\/main\/c\/chain-c\/chain-c_1\.0_all\.deb: hash mismatch after 2 attempts: SHA512 [0-9a-f]{128}, the signed Packages index lists [0-9a-f]{128}$/m);
    expect(corrupt.requests.filter(p => p.endsWith('/chain-c_1.0_all.deb'))).toHaveLength(2);
    // A regular expression: aptly resolves and mirrors, and checks the file itself.
    const viaAptly = await build({ signing: keySigning(), retries: 1, sources: [source({ from: corrupt, packages: ['Name (~ ^chain-a$)'] })] });
    expectFailure(viaAptly, /debian\/bookworm main: mirror update failed/, /hash mismatch/);
  });

  test('retries requests that fail with HTTP 500 once', async () => {
    // (aptly waits a second before each retry: keep the list of failing paths short)
    const flaky = await startUpstream({ failFirst: /(key\.asc|InRelease|\/chain-a_1\.0_all\.deb)$/ });
    const r = await build({ signing: keySigning(), retries: 3, sources: [source({ from: flaky, components: ['main'] })] });
    expectSuccess(r);
    for (const p of ['/key.asc', '/debian/dists/bookworm/InRelease', '/debian/pool/main/c/chain-a/chain-a_1.0_all.deb']) {
      expect([p, flaky.requests.filter((q) => q === p).length >= 2]).toEqual([p, true]);
    }
    expect(packageSet(readManifest(r.publicDir), 'debian', 'bookworm')).toEqual(['chain-a 1.0 all', 'chain-b 1.0 all', 'chain-c 1.0 all']);
  });

  test('with MiniMirror\'s own default aptly config, a source\'s downloads are not limited: the indexes come with the Release, packages many at a time', async () => {
    const slow = await startUpstream({ latencyMs: 50 });
    const r = await build({ signing: keySigning(), defaultAptlyConf: 'product', sources: [source({ from: slow, packages: ['chain-a', 'multi', 'arch-tool', 'rec-main', 'contrib-tool', 'alt-user', 'decoy-main', 'decoy-contrib'] })] });
    expectSuccess(r);
    // the key, the InRelease and both components' Packages.gz side by side, then the packages
    expect(slow.requests.slice(0, 4).sort()).toEqual(['/debian/dists/bookworm/InRelease', '/debian/dists/bookworm/contrib/binary-amd64/Packages.gz',
      '/debian/dists/bookworm/main/binary-amd64/Packages.gz', '/key.asc']);
    expect(slow.maxInFlight).toBeGreaterThan(4);
  });

  test('builds three sources (aptly two at a time, downloads all at once) and merges the trees', async () => {
    const slow = await startUpstream({ latencyMs: 20 });
    const other = await startUpstream({ archive: ALT_ARCHIVE, latencyMs: 20 });
    const oneDownloadAtATime = { architectures: ['amd64'], downloadConcurrency: 1 };
    const r = await build({
      signing: keySigning(plainKey),
      concurrency: 2,
      sources: [
        source({ from: slow, packages: ['chain-a', 'contrib-tool'], aptlyConf: oneDownloadAtATime }),
        source({ from: slow, name: 'trixie', distribution: 'trixie', components: ['main'], packages: ['chain-a', 'multi (= 1.0)'], aptlyConf: oneDownloadAtATime }),
        source({ from: other, prefix: 'other', name: 'alt', packages: ['solo-contrib'], aptlyConf: oneDownloadAtATime }),
      ],
    });
    expectSuccess(r);
    const lines = r.stdout.split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    const keyLines = [at(/\] debian\/bookworm: upstream key/), at(/\] debian\/trixie: upstream key/), at(/\] other\/alt: upstream key/)];
    const mirrored = [at(/\] debian\/bookworm: \d+ packages?,/), at(/\] debian\/trixie: \d+ packages?,/), at(/\] other\/alt: \d+ packages?,/)];
    expect([...keyLines, ...mirrored].every((i) => i >= 0)).toBe(true);
    // downloads are not held back by aptly's concurrency: all three keys came before any source was mirrored
    expect(Math.max(...keyLines)).toBeLessThan(Math.min(...mirrored));
    // a source's downloadConcurrency (1 here) bounds its package downloads; only its key and its
    // Release are fetched side by side: at most two requests per source at a time
    expect(slow.maxInFlight).toBeLessThanOrEqual(4);
    expect(other.maxInFlight).toBeLessThanOrEqual(2);

    const pub = r.publicDir;
    for (const d of ['debian/dists/bookworm', 'debian/dists/trixie', 'other/dists/bookworm']) {
      expect(fs.existsSync(path.join(pub, d, 'InRelease'))).toBe(true);
    }
    const manifest = readManifest(pub);
    expect(packageSet(manifest, 'debian', 'trixie')).toEqual(['chain-a 1.0 all', 'chain-b 1.0 all', 'chain-c 1.0 all', 'multi 1.0 all']);
    expect(packageSet(manifest, 'other', 'bookworm')).toEqual(['solo 1.0 all', 'solo-contrib 1.0 all']);
    expect(packageSet(manifest, 'debian', 'bookworm')).toContain('contrib-deep 1.0 all');
    // the shared pool holds each file once, with the bytes both dists list
    const shared = manifest.packages.filter((p) => p.prefix === 'debian' && p.name === 'chain-a');
    expect(shared.map((p) => p.distribution).sort()).toEqual(['bookworm', 'trixie']);
    expect(new Set(shared.map((p) => `${p.filename} ${p.sha256}`)).size).toBe(1);
    expect(entriesFromPackagesFiles(pub).length).toBe(manifest.packages.length);

    const nginx = await startNginx(pub);
    toStop.push(() => nginx.stop());
    const client = await AptClient.create([
      { uri: `${nginx.url}/debian`, suite: 'trixie', components: ['main'], signedBy: plainKey.publicKey },
      { uri: `${nginx.url}/other`, suite: 'bookworm', components: ['main', 'contrib'], signedBy: plainKey.publicKey },
    ]);
    toStop.push(() => client.dispose());
    await client.update();
    expect((await client.simulateInstall(['solo-contrib', 'chain-a'])).map((p) => p.name).sort())
      .toEqual(['chain-a', 'chain-b', 'chain-c', 'solo', 'solo-contrib']);
  });

  test('fails when two sources publish different files at the same path', async () => {
    const other = await startUpstream({ archive: ALT_ARCHIVE });
    const r = await build({
      signing: keySigning(plainKey),
      sources: [
        source({ components: ['main'], packages: ['multi (= 1.0)'] }),
        source({ from: other, name: 'trixie', distribution: 'trixie', components: ['main'], packages: ['multi (= 1.0)'] }),
      ],
    });
    expectFailure(r, /conflicting file debian\/pool\/main\/m\/multi\/multi_1\.0_all\.deb from debian\/bookworm and debian\/trixie/);
  });

  test('an unsigned mirror of an unverified upstream builds with loud warnings', async () => {
    const r = await build({ signing: { mode: 'unsigned' }, sources: [source({ verify: false, keyUrl: 'http://127.0.0.1:9/unreachable.asc' })] });
    expectSuccess(r);
    expect(r.stdout).toMatch(/WARNING: the mirror is published UNSIGNED/);
    expect(r.stdout).toMatch(/WARNING: debian\/bookworm: upstream signature verification is DISABLED/);
    expect(fs.existsSync(path.join(r.publicDir, 'mirror-key.asc'))).toBe(false);
    expect(fs.existsSync(path.join(r.publicDir, 'debian/dists/bookworm/Release'))).toBe(true);
    expect(fs.existsSync(path.join(r.publicDir, 'debian/dists/bookworm/InRelease'))).toBe(false);
  });
});
