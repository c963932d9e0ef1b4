/**
 * The real Debian archive this machine's apt is configured with (URIs read from /etc/apt at run
 * time): bookworm, bookworm-updates and the security archive mirrored through the synthesized
 * Job's mirror step, verified with the real debian-archive-keyring (a binary keyring with several
 * keys), then installed from the mirror alone by apt-get with an empty dpkg status.
 *
 * Skipped, with a message saying why, where the machine has no such apt source or cannot reach it.
 */
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { MirrorSource } from '../../src';
import { AptClient } from '../support/apt-client';
import { FakeWorld, flatArchive } from '../support/fake-world';
import { uriForSuite } from '../support/host-apt-sources';
import { startNginx } from '../support/nginx';
import { BuildSourceSpec, removeBuild, runBuild, runCommand } from '../support/run-build';
import { generateSigningKey } from '../support/signing-key';

const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
const base = uriForSuite('bookworm');
const security = uriForSuite('bookworm-security');

async function reachable(url: string): Promise<boolean> {
  const r = await runCommand('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '20', url]);
  return r.exitCode === 0 && r.stdout.trim() === '200';
}

async function fetchText(url: string): Promise<string> {
  const r = await runCommand('sh', ['-c', 'curl -sSf --max-time 60 "$1" | xz -dc', 'sh', url]);
  if (r.exitCode !== 0) throw new Error(`cannot read ${url}: ${r.stderr}`);
  return r.stdout;
}

/** The smallest amd64 package of an index that depends on libc6 (so it needs the base suite). */
function smallPackageNeedingBase(index: string): string {
  let best: { name: string; size: number } | undefined;
  for (const stanza of index.split(/\n\n+/)) {
    const get = (k: string) => new RegExp(`^${k}: (.*)$`, 'm').exec(stanza)?.[1];
    const name = get('Package');
    if (!name || get('Architecture') !== 'amd64' || !/\blibc6\b/.test(get('Depends') ?? '')) continue;
    const size = Number(get('Size'));
    if (!best || size < best.size) best = { name, size };
  }
  if (!best) throw new Error('no amd64 package depending on libc6 in the index');
  return best.name;
}

let skipReason: string | undefined;
const toStop: Array<() => Promise<void>> = [];

beforeAll(async () => {
  if (!base || !security) {
    skipReason = 'this machine has no apt source for bookworm and bookworm-security (component main) in /etc/apt';
  } else if (!fs.existsSync(KEYRING)) {
    skipReason = `${KEYRING} is missing (Debian package debian-archive-keyring)`;
  } else if (!await reachable(`${base}/dists/bookworm-updates/InRelease`) || !await reachable(`${security}/dists/bookworm-security/InRelease`)) {
    skipReason = `the archives of this machine's apt sources (${base}, ${security}) are not reachable`;
  }
  if (skipReason) process.stdout.write(`SKIPPED real-archive test: ${skipReason}\n`);
}, 60_000);

afterAll(async () => {
  for (const stop of toStop.reverse()) await stop();
});

/** The archive key as upstream publishes it: a binary keyring with several keys, served on loopback. */
async function serveArchiveKeyring(): Promise<string> {
  const keyring = fs.readFileSync(KEYRING);
  const keyServer = http.createServer((_, res) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(keyring));
  await new Promise<void>(resolve => keyServer.listen(0, '127.0.0.1', resolve));
  toStop.push(() => new Promise(resolve => keyServer.close(() => resolve())));
  return `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}/debian-archive-keyring.gpg`;
}

test('mirrors bookworm, bookworm-updates and the security archive as one world; apt installs from the mirror alone', async () => {
  if (skipReason) return;
  const keyUrl = await serveArchiveKeyring();

  // Packages chosen from today's pockets: each depends on libc6, which only bookworm has.
  const updatesPkg = smallPackageNeedingBase(await fetchText(`${base}/dists/bookworm-updates/main/binary-amd64/Packages.xz`));
  const securityPkg = smallPackageNeedingBase(await fetchText(`${security}/dists/bookworm-security/main/binary-amd64/Packages.xz`));
  const mirrorKey = await generateSigningKey({ userId: 'Real Archive Test <mirror@example.com>' });

  const r = await runBuild({
    signing: { mode: 'key', privateKey: mirrorKey.privateKey, publicKey: mirrorKey.publicKey, fingerprint: mirrorKey.fingerprint },
    defaultAptlyConf: 'product',
    concurrency: 3,
    retries: 3,
    timeoutMs: 900_000,
    sources: [
      { prefix: 'debian', name: 'bookworm', url: base!, keyUrl, distribution: 'bookworm', components: ['main'], packages: ['hello', 'jq'], architectures: ['amd64'] },
      { prefix: 'debian', name: 'bookworm-updates', url: base!, keyUrl, distribution: 'bookworm-updates', components: ['main'], packages: [updatesPkg], architectures: ['amd64'] },
      { prefix: 'debian-security', name: 'bookworm-security', url: security!, keyUrl, distribution: 'bookworm-security', components: ['main'], packages: [securityPkg], architectures: ['amd64'] },
    ],
  });
  toStop.push(() => removeBuild(r.rootDir));
  if (r.exitCode !== 0) throw new Error(`build failed (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  expect(r.stdout).toMatch(/world bookworm: added \d+ dependencies/);
  expect(r.stdout).toMatch(/world bookworm: dose-debcheck installs all \d+ requested packages \(amd64\)/);

  // The security archive is published as the user wrote it: `bookworm-security main`.
  const pub = r.publicDir;
  expect(fs.existsSync(path.join(pub, 'debian-security/dists/bookworm-security/main/binary-amd64/Packages'))).toBe(true);
  const manifest = JSON.parse(fs.readFileSync(path.join(pub, 'manifest.json'), 'utf8'));
  // libc6 came into the bookworm source because the pockets need it.
  expect(manifest.packages.some((p: any) => p.name === 'libc6' && p.distribution === 'bookworm')).toBe(true);
  expect(manifest.upstreams.map((u: any) => u.releaseDate).every((d: unknown) => typeof d === 'string')).toBe(true);

  const nginx = await startNginx(pub);
  toStop.push(() => nginx.stop());
  const signedBy = fs.readFileSync(path.join(pub, 'mirror-key.asc'), 'utf8');
  const client = await AptClient.create([
    { uri: `${nginx.url}/debian`, suite: 'bookworm', components: ['main'], signedBy },
    { uri: `${nginx.url}/debian`, suite: 'bookworm-updates', components: ['main'], signedBy },
    { uri: `${nginx.url}/debian-security`, suite: 'bookworm-security', components: ['main'], signedBy },
  ]);
  toStop.push(() => client.dispose());
  await client.update();
  const plan = await client.simulateInstall(['hello', 'jq', updatesPkg, securityPkg]);
  expect(plan.map(p => p.name)).toEqual(expect.arrayContaining(['hello', 'jq', updatesPkg, securityPkg, 'libc6']));
}, 900_000);

// The README's example (examples/sources): its Debian sources against the real archive (the
// placeholder host replaced by this machine's apt URIs), its vendor flat repository against a
// fake one with the same packages. If a pocket no longer carries a package the example names,
// this fails: the example (and the README) must then be updated.
test('the README example builds against the archives it names', async () => {
  if (skipReason) return;
  const keyUrl = await serveArchiveKeyring();
  const vendorWorld = await FakeWorld.start({
    archives: [flatArchive({
      path: 'vendor',
      packages: [
        { name: 'vendor-agent', version: '1.4-1', architecture: 'amd64', depends: 'libc6 (>= 2.36), libssl3' },
        { name: 'vendor-cli', version: '2.1-1', depends: 'vendor-agent (>= 1.4), python3-yaml' },
      ],
    })],
  });
  toStop.push(() => vendorWorld.stop());
  const real = (url: string) => url
    .replace('http://debian.mirror.example/debian-security', security!)
    .replace('http://debian.mirror.example/debian', base!)
    .replace('https://vendor.mirror.example/apt/', `${vendorWorld.archives.vendor.url}/`);
  const loaded = MirrorSource.fromDirectory(path.join(__dirname, '..', '..', 'examples', 'sources'));
  const sources: BuildSourceSpec[] = loaded.map(s => ({
    prefix: s.prefix,
    name: s.name,
    url: real(s.url),
    keyUrl: s.prefix === 'vendor' ? vendorWorld.keys.archive.url : keyUrl,
    distribution: s.distribution,
    components: s.components,
    packages: s.packages,
    aptlyConf: s.aptlyConfig?.json,
  }));
  expect(sources.map(s => s.url).join(' ')).not.toMatch(/mirror\.example/);
  const mirrorKey = await generateSigningKey({ userId: 'README Example <mirror@example.com>' });
  const r = await runBuild({
    signing: { mode: 'key', privateKey: mirrorKey.privateKey, publicKey: mirrorKey.publicKey, fingerprint: mirrorKey.fingerprint },
    defaultAptlyConf: 'product',
    concurrency: 4,
    retries: 3,
    timeoutMs: 900_000,
    sources,
  });
  toStop.push(() => removeBuild(r.rootDir));
  if (r.exitCode !== 0) throw new Error(`the README example does not build (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);

  const nginx = await startNginx(r.publicDir);
  toStop.push(() => nginx.stop());
  const signedBy = fs.readFileSync(path.join(r.publicDir, 'mirror-key.asc'), 'utf8');
  const client = await AptClient.create(loaded.map(s => ({
    uri: `${nginx.url}/${s.prefix}`, suite: s.publishDistribution, components: s.publishComponents, signedBy,
  })));
  toStop.push(() => client.dispose());
  await client.update();
  const requested = [...new Set(loaded.flatMap(s => s.requestedPackageNames))];
  const plan = await client.simulateInstall(requested);
  expect(plan.map(p => p.name)).toEqual(expect.arrayContaining(requested));
}, 900_000);
