/**
 * The trust chain against hostile upstreams (issue 17): the build Job's mirror step (synthesized,
 * run through the pod runner) refuses each forged, stale or misplaced Release with a message
 * naming the cause and publishes nothing; apt-get, given the same upstream and the key the source
 * trusts as Signed-By, refuses it too (or warns, for a Release of another distribution).
 */
import * as fs from 'fs';
import { AptClient } from '../support/apt-client';
import { expectBuildFailed } from '../support/build-verdicts';
import { chimeraKey, EXPIRED_KEY_SIGNED_AT, expiredKey, pastKey, revokedKey } from '../support/hostile-keys';
import { HostileOptions, HostileUpstream, md5Only, releaseDate, setField, startHostileUpstream } from '../support/hostile-upstream';
import { BuildResult, BuildSourceSpec, removeBuild, runBuild } from '../support/run-build';
import { GeneratedKey, generateSigningKey } from '../support/signing-key';

jest.setTimeout(180_000);

let upstreamKey: GeneratedKey;
let otherKey: GeneratedKey;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  [upstreamKey, otherKey] = await Promise.all([
    generateSigningKey({ userId: 'Upstream Archive <archive@upstream.example>' }),
    generateSigningKey({ userId: 'Other Archive <other@upstream.example>' }),
  ]);
}, 60_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function upstream(options: HostileOptions): Promise<HostileUpstream> {
  const u = await startHostileUpstream(options);
  cleanups.push(() => u.world.stop());
  return u;
}

async function build(u: HostileUpstream, source: Partial<BuildSourceSpec> = {}): Promise<BuildResult> {
  const r = await runBuild({
    signing: { mode: 'unsigned' },
    defaultAptlyConf: { architectures: ['amd64'] },
    sources: [{
      prefix: 'up', name: 'stable', url: u.url, keyUrl: u.keyUrl, distribution: 'stable', components: ['main'], packages: ['hello'], ...source,
    }],
  });
  cleanups.push(() => removeBuild(r.rootDir));
  return r;
}

/** The build failed with `message` in its output, published nothing and fetched no package. */
function refused(r: BuildResult, u: HostileUpstream, message: string | RegExp): void {
  expectBuildFailed(r, message);
  expect(u.poolRequests()).toEqual([]);
}

/** apt-get update against the same upstream with `signedBy`: its exit code and its W:/E: lines. */
async function aptVerdict(u: HostileUpstream, signedBy: string): Promise<{ exitCode: number; problems: string }> {
  const apt = await AptClient.create([{ uri: u.url, suite: 'stable', components: ['main'], signedBy }]);
  try {
    const r = await apt.apt('apt-get', ['update']);
    return { exitCode: r.exitCode, problems: `${r.stdout}\n${r.stderr}`.split('\n').filter(l => /^(W|E|Err):/.test(l)).join('\n') };
  } finally {
    await apt.dispose();
  }
}

async function aptRefuses(u: HostileUpstream, signedBy: string, cause: RegExp): Promise<void> {
  const v = await aptVerdict(u, signedBy);
  expect(v.problems).toMatch(cause);
  expect(v.problems).toMatch(/^E: /m);
}

test('chimera: the pinned key\'s public key bound as a subkey of the attacker\'s key does not pass the pin', async () => {
  const chimera = await chimeraKey(upstreamKey);
  const u = await upstream({ signers: [chimera], servedKey: chimera.publicKey });
  const r = await build(u, { fingerprints: [upstreamKey.fingerprint] });
  refused(r, u, `up/stable: pinned key ${upstreamKey.fingerprint} is only a subkey of ${chimera.fingerprint} here (${u.keyUrl}): the pin must name a primary key`);
  await aptRefuses(u, upstreamKey.publicKey, /NO_PUBKEY|not signed/);
});

test('a revoked upstream key', async () => {
  const key = await revokedKey();
  const u = await upstream({ signers: [key], servedKey: key.publicKey });
  refused(await build(u, { fingerprints: [key.fingerprint] }), u, `signed by a revoked key ${key.fingerprint}`);
  await aptRefuses(u, key.publicKey, /signatures were invalid/);
});

test('a revoked upstream key, in a detached signature (Release and Release.gpg, no InRelease)', async () => {
  const key = await revokedKey();
  const u = await upstream({ signers: [key], servedKey: key.publicKey, inRelease: false });
  refused(await build(u, { fingerprints: [key.fingerprint] }), u, /the signature of http:\S+\/dists\/stable\/Release does not verify with the key from key_url: signed by a revoked key/);
  expect(u.world.requests).toContain('/hostile/dists/stable/Release.gpg');
  await aptRefuses(u, key.publicKey, /signatures were invalid/);
});

test('an expired upstream key', async () => {
  const key = await expiredKey();
  const u = await upstream({ signers: [key], servedKey: key.publicKey, sign: { signedAt: EXPIRED_KEY_SIGNED_AT } });
  refused(await build(u), u, `the key ${key.fingerprint} expired on 2020-01-02T00:00:00Z`);
  await aptRefuses(u, key.publicKey, /signatures were invalid/);
});

test('an expired signature', async () => {
  const key = await pastKey();
  const u = await upstream({ signers: [key], servedKey: key.publicKey, sign: { signedAt: '20200102T000000', expire: '1d' } });
  refused(await build(u), u, `the signature by ${key.fingerprint} expired on 2020-01-03T00:00:00Z`);
  await aptRefuses(u, key.publicKey, /signatures were invalid/);
});

test('a bad signature: the signed text changed afterwards', async () => {
  const u = await upstream({
    signers: [upstreamKey], servedKey: upstreamKey.publicKey, tamper: t => t.replace(/^Label: Upstream$/m, 'Label: Tampered'),
  });
  refused(await build(u), u, `bad signature by ${upstreamKey.fingerprint}`);
  await aptRefuses(u, upstreamKey.publicKey, /signatures were invalid/);
});

describe('InRelease files with several signatures, as Debian signs them (apt: fatal only with no good or a bad one)', () => {
  test('a good signature next to a bad one is refused', async () => {
    const u = await upstream({
      signers: [upstreamKey], extraSignatures: [{ key: otherKey, forged: true }], servedKey: upstreamKey.publicKey + otherKey.publicKey,
    });
    refused(await build(u), u, `bad signature by ${otherKey.fingerprint}`);
    await aptRefuses(u, upstreamKey.publicKey + otherKey.publicKey, /signatures were invalid/);
  });

  test('a good signature next to one by a key the source does not trust is accepted', async () => {
    const u = await upstream({ signers: [upstreamKey, otherKey], servedKey: upstreamKey.publicKey });
    const r = await build(u);
    if (r.exitCode !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
    expect(r.stdout).toContain(`InRelease verified: signed by key ${upstreamKey.fingerprint} "Upstream Archive <archive@upstream.example>"; other signatures not counted: signed by ${otherKey.fingerprint}, which key_url does not provide`);
    expect((await aptVerdict(u, upstreamKey.publicKey)).exitCode).toBe(0);
  });

  test('a good signature next to one by an expired key is accepted', async () => {
    const old = await expiredKey();
    const u = await upstream({
      signers: [upstreamKey],
      extraSignatures: [{ key: old, sign: { signedAt: EXPIRED_KEY_SIGNED_AT } }],
      servedKey: upstreamKey.publicKey + old.publicKey,
    });
    const r = await build(u);
    if (r.exitCode !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
    expect(r.stdout).toContain(`other signatures not counted: the key ${old.fingerprint} expired on 2020-01-02T00:00:00Z`);
    const v = await aptVerdict(u, upstreamKey.publicKey + old.publicKey);
    expect(v.exitCode).toBe(0);
    expect(v.problems).not.toMatch(/^E:/m);
  });
});

test('a Release whose Valid-Until has passed', async () => {
  const u = await upstream({
    signers: [upstreamKey], servedKey: upstreamKey.publicKey, release: t => setField(t, 'Valid-Until', 'Sat, 17 Jun 2023 09:00:00 UTC'),
  });
  refused(await build(u), u, /up\/stable: http:\S+\/InRelease expired on Sat, 17 Jun 2023 09:00:00 UTC \(Valid-Until\)/);
  await aptRefuses(u, upstreamKey.publicKey, /is expired/);
});

test('a Release dated in the future', async () => {
  const date = releaseDate(Date.now() + 86_400_000);
  const u = await upstream({ signers: [upstreamKey], servedKey: upstreamKey.publicKey, release: t => setField(t, 'Date', date) });
  refused(await build(u), u, `InRelease is not valid yet: its Date ${date} is in the future`);
  await aptRefuses(u, upstreamKey.publicKey, /not valid yet/);
});

test('a Release with MD5Sum hashes only', async () => {
  const u = await upstream({ signers: [upstreamKey], servedKey: upstreamKey.publicKey, release: md5Only });
  refused(await build(u), u, 'InRelease lists no SHA256 hashes (only MD5Sum): apt refuses it as weak security information');
  await aptRefuses(u, upstreamKey.publicKey, /weak security information/);
});

describe('oldstable\'s signed Release served at dists/stable', () => {
  const oldstable = (t: string) => setField(setField(t, 'Suite', 'oldstable'), 'Codename', 'bullseye');

  test('is refused; apt warns "Conflicting distribution"', async () => {
    const u = await upstream({ signers: [upstreamKey], servedKey: upstreamKey.publicKey, release: oldstable });
    refused(await build(u), u, 'InRelease is a Release of another distribution (Suite oldstable, Codename bullseye; expected stable)');
    const v = await aptVerdict(u, upstreamKey.publicKey);
    expect(v.exitCode).toBe(0);
    expect(v.problems).toMatch(/^W: Conflicting distribution: .* \(expected stable but got bullseye\)/m);
  });

  test('with allowDistributionMismatch: mirrored, with a warning', async () => {
    const u = await upstream({ signers: [upstreamKey], servedKey: upstreamKey.publicKey, release: oldstable });
    const r = await build(u, { allowDistributionMismatch: true });
    if (r.exitCode !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
    expect(r.stdout).toMatch(/WARNING: up\/stable: \S+ is a Release of another distribution \(Suite oldstable, Codename bullseye; expected stable\): mirrored anyway \(allowDistributionMismatch\)/);
    expect(fs.existsSync(r.publicDir)).toBe(true);
  });
});

describe('a key_url serving several keys, one pinned', () => {
  const both = () => upstreamKey.publicKey + otherKey.publicKey;

  test('the pin selects that key: its Release is mirrored, the other key is left out', async () => {
    const u = await upstream({ signers: [upstreamKey], servedKey: both() });
    const r = await build(u, { fingerprints: [upstreamKey.fingerprint] });
    if (r.exitCode !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
    expect(r.stdout).toContain(`up/stable: upstream key ${upstreamKey.fingerprint} "Upstream Archive <archive@upstream.example>" (pinned); 1 other key in key_url ignored`);
    expect(r.stdout).toContain(`InRelease verified: signed by key ${upstreamKey.fingerprint}`);
  });

  test('a Release signed by the key not pinned is refused', async () => {
    const u = await upstream({ signers: [otherKey], servedKey: both() });
    refused(await build(u, { fingerprints: [upstreamKey.fingerprint] }), u, `signed by ${otherKey.fingerprint}, which is not pinned`);
    await aptRefuses(u, upstreamKey.publicKey, /NO_PUBKEY|not signed/);
  });
});

describe('a signed Packages index whose stanzas an adversary chose (the runner writes the indexes: it checks each stanza as apt reads it)', () => {
  /** apt's verdict on the same upstream: its candidate for hello, and whether it downloads it. */
  async function aptTakes(u: HostileUpstream): Promise<{ candidate: string[]; download: { exitCode: number; output: string } }> {
    const apt = await AptClient.create([{ uri: u.url, suite: 'stable', components: ['main'], signedBy: upstreamKey.publicKey }]);
    try {
      await apt.update();
      const r = await apt.apt('apt-get', ['install', '--download-only', '-y', 'hello']);
      return { candidate: await apt.versions('hello'), download: { exitCode: r.exitCode, output: r.stdout + r.stderr } };
    } finally {
      await apt.dispose();
    }
  }

  test('a stanza that gives Version twice is refused, naming the package and the field: apt takes the last one, the build would have checked the first', async () => {
    const u = await upstream({ signers: [upstreamKey], servedKey: upstreamKey.publicKey, packages: t => t.replace(/^(Version: 1\.0)$/m, '$1\nVersion: 9.0') });
    expectBuildFailed(await build(u), /ERROR: up\/stable: hello 1\.0 \(all\): upstream's Packages index gives its Version field twice, so apt and the build could read different values/);
    expect((await aptTakes(u)).candidate).toEqual(['9.0']);
  });

  test('a wrong MD5sum beside the right SHA256 is refused as a hash mismatch naming both digests; apt refuses the file too', async () => {
    const u = await upstream({ signers: [upstreamKey], servedKey: upstreamKey.publicKey, packages: t => t.replace(/^MD5sum: [0-9a-f]+$/m, `MD5sum: ${'0'.repeat(32)}`) });
    expectBuildFailed(await build(u), new RegExp(`ERROR: up/stable: \\S+/pool/main/h/hello/hello_1\\.0_all\\.deb: hash mismatch after \\d attempts?: MD5sum [0-9a-f]{32}, the signed Packages index lists ${'0'.repeat(32)}$`, 'm'));
    const apt = await aptTakes(u);
    expect(apt.download.exitCode).not.toBe(0);
    expect(apt.download.output).toMatch(/Hash Sum mismatch/);
  });
});
