import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BuildLog } from '../../../src/runner/log';
import { Fetcher, UpstreamCache } from '../../../src/runner/net/fetcher';
import { importUpstreamKey, UpstreamKeys } from '../../../src/runner/pgp/upstream-key';
import { ChildProcesses } from '../../../src/runner/proc';
import { fetchRelease, parseRelease, releaseBase } from '../../../src/runner/upstream/release';
import { startFileServer } from '../../support/archive-server';

/** This file's child processes (a build has its own, from its BuildRun). */
const procs = new ChildProcesses();

const SECURITY_RELEASE = `Origin: Debian
Label: Debian-Security
Suite: oldstable-security
Version: 12
Codename: bookworm-security
Date: Wed, 25 Nov 2026 02:22:30 UTC
Valid-Until: Wed, 02 Dec 2026 02:22:30 UTC
Acquire-By-Hash: yes
Architectures: all amd64 arm64 armhf i386 ppc64el
Components: updates/main updates/contrib updates/non-free-firmware updates/non-free
Description: Debian 12 - Security Updates
MD5Sum:
 d41d8cd98f00b204e9800998ecf8427e        0 contrib/Contents-amd64
 0e7f3e2d7e1a6c7d0b6a6cf7b2f0e8aa  2532743 main/binary-amd64/Packages
 5f0d2ad4b6e8a1c1a2f7f7b6b0f8c1a2   379936 main/binary-amd64/Packages.xz
 7b3e2d7e1a6c7d0b6a6cf7b2f0e8aa12      113 main/binary-amd64/Release
SHA256:
 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855        0 contrib/Contents-amd64
 49a9e54c4ffc7bde7834f37042f551ce863c2630382396592602f432cdbf6f1c  2532743 main/binary-amd64/Packages
 a59b44d3150ec5621306ce98e42bcb14f95451fe82ca7e6b83d1da7454a1ea3d   379936 main/binary-amd64/Packages.xz
`;

const lists = '/var/lib/apt/lists';
const inReleases = fs.existsSync(lists) ? fs.readdirSync(lists).filter(f => f.endsWith('_InRelease')) : [];

describe('parseRelease', () => {
  test('GIVEN the security archive\'s Release THEN components, architectures, date and SHA256 sums are read', () => {
    const r = parseRelease(SECURITY_RELEASE, 'dists/bookworm-security/');
    expect(r.components).toEqual(['updates/main', 'updates/contrib', 'updates/non-free-firmware', 'updates/non-free']);
    expect(r.architectures).toEqual(['all', 'amd64', 'arm64', 'armhf', 'i386', 'ppc64el']);
    expect(r.date).toBe('Wed, 25 Nov 2026 02:22:30 UTC');
    expect(r.base).toBe('dists/bookworm-security/');
    expect(r.fields.get('Codename')).toBe('bookworm-security');
    expect(r.files.get('main/binary-amd64/Packages.xz')).toEqual({ size: 379936, sha256: 'a59b44d3150ec5621306ce98e42bcb14f95451fe82ca7e6b83d1da7454a1ea3d' });
    expect(r.files.get('contrib/Contents-amd64')).toEqual({ size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' });
    // listed with MD5Sum only: a size, no SHA256
    expect(r.files.get('main/binary-amd64/Release')).toEqual({ size: 113, sha256: undefined });
    expect(r.files.size).toBe(4);
  });

  test('CRLF line ends, lower-case field names and a flat repository\'s Release without Components', () => {
    const flat = 'origin: isv:kubernetes\r\narchitectures: amd64 arm64\r\nSHA256:\r\n 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef 1234 Packages.gz\r\n';
    const r = parseRelease(flat, '');
    expect(r.components).toEqual([]);
    expect(r.architectures).toEqual(['amd64', 'arm64']);
    expect(r.date).toBeUndefined();
    expect(r.files.get('Packages.gz')).toEqual({ size: 1234, sha256: '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' });
  });

  (inReleases.length ? test : test.skip)('GIVEN this machine\'s real InRelease files THEN every listed file has a SHA256 and a size', () => {
    for (const name of inReleases) {
      const text = fs.readFileSync(path.join(lists, name), 'utf8');
      const body = text.replace(/^-----BEGIN PGP SIGNED MESSAGE-----\n(?:.+\n)*\n/, '').replace(/\n-----BEGIN PGP SIGNATURE-----[\s\S]*$/, '\n');
      const r = parseRelease(body, 'dists/x/');
      expect(r.components.length).toBeGreaterThan(0);
      expect(r.architectures.length).toBeGreaterThan(0);
      expect(r.date).toMatch(/UTC$/);
      expect(r.files.size).toBeGreaterThan(10);
      for (const [file, info] of r.files) {
        expect([file, info.sha256]).toEqual([file, expect.stringMatching(/^[0-9a-f]{64}$/)]);
        expect(Number.isInteger(info.size)).toBe(true);
      }
      // a Packages index of the first component (as listed, or with the 'updates/' prefix dropped) is there
      const component = r.components[0].replace(/^updates\//, '');
      const arch = r.architectures.find(a => a !== 'all')!;
      expect([...r.files.keys()].some(f => f.startsWith(`${component}/binary-${arch}/Packages`))).toBe(true);
    }
  });
});

describe('releaseBase', () => {
  test.each([
    ['bookworm', 'dists/bookworm/'],
    ['bookworm-security', 'dists/bookworm-security/'],
    ['bookworm/updates', 'dists/bookworm/updates/'],
    ['./', ''],
    ['sub/', 'sub/'],
    ['./sub/', 'sub/'],
    ['Debian_12/', 'Debian_12/'],
  ])('%s -> %j', (distribution, base) => {
    expect(releaseBase(distribution)).toBe(base);
  });
});

// The issue 20 case with real files: Debian's keyring (9 keys) at key_url, only the bookworm
// archive key pinned, and this machine's real InRelease files (three signatures each).
describe('fetchRelease with the real Debian keyring and InRelease files', () => {
  const keyringFile = '/usr/share/keyrings/debian-archive-keyring.gpg';
  const BOOKWORM_ARCHIVE = 'B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8';
  const BOOKWORM_SECURITY = '05AB90340C0C5E797F44A8C8254CF3B5AEC0A8F0';
  const real = (dist: string) => inReleases.find(f => f.endsWith(`_dists_${dist}_InRelease`));
  const have = fs.existsSync(keyringFile) && real('bookworm') && real('bookworm-security');
  if (!have) console.log(`skipped: no ${keyringFile} or no bookworm and bookworm-security InRelease in ${lists}`);

  (have ? test : test.skip)('GIVEN one pinned key of the keyring THEN the Release verifies with it, the others are left out, and a passed Valid-Until is refused', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-real-'));
    const server = await startFileServer(undefined, {
      files: {
        '/keys/debian-archive-keyring.gpg': fs.readFileSync(keyringFile),
        '/debian/dists/bookworm/InRelease': fs.readFileSync(path.join(lists, real('bookworm')!)),
        '/debian-security/dists/bookworm-security/InRelease': fs.readFileSync(path.join(lists, real('bookworm-security')!)),
      },
    });
    try {
      const log = new BuildLog() as BuildLog & { lines: string[] };
      log.lines = [];
      log.say = (m: string) => void log.lines.push(m);
      const fetcher = new Fetcher({ retries: 1, stallSeconds: 5 }, log, procs);
      const keys = new UpstreamKeys(path.join(dir, 'keys'), fetcher, procs);
      const keyUrl = `${server.url}/keys/debian-archive-keyring.gpg`;
      const trusted = await importUpstreamKey({ what: 'debian/bookworm', keyUrl, pins: [BOOKWORM_ARCHIVE], keys, log });
      expect(trusted.allowed.primaries).toEqual([BOOKWORM_ARCHIVE]);
      expect(trusted.allowed.served.length).toBeGreaterThan(5);
      expect(log.lines.some(l => new RegExp(`upstream key ${BOOKWORM_ARCHIVE} "Debian [^"]+" \\(pinned\\); ${trusted.allowed.served.length - 1} other keys in key_url ignored`).test(l))).toBe(true);

      const cache = new UpstreamCache(`${server.url}/debian`, path.join(dir, 'debian'), fetcher, 'debian/bookworm');
      const release = await fetchRelease({ cache, distribution: 'bookworm', keyring: trusted, what: 'debian/bookworm', log, procs });
      expect(release.fields.get('Codename')).toBe('bookworm');
      expect(log.lines.find(l => l.includes('InRelease verified'))).toMatch(new RegExp(`signed by key ${BOOKWORM_ARCHIVE} "Debian [^"]+" \\(signing subkey [0-9A-F]{40}\\); other signatures not counted: (signed by [0-9A-F]{40}( \\(a subkey of [0-9A-F]{40}\\))?, which is not pinned(; |$))+$`));

      // The security archive's Release is valid for a week: refused once that passed.
      const security = await importUpstreamKey({ what: 'debian/security', keyUrl, pins: [BOOKWORM_SECURITY], keys, log });
      const securityCache = () => new UpstreamCache(`${server.url}/debian-security`, path.join(dir, `sec-${Math.random()}`), fetcher, 'debian/security');
      const text = fs.readFileSync(path.join(lists, real('bookworm-security')!), 'utf8');
      const validUntil = Date.parse(/^Valid-Until: (.*)$/m.exec(text)![1].replace(/UTC$/, 'GMT'));
      await expect(fetchRelease({ cache: securityCache(), distribution: 'bookworm-security', keyring: security, what: 'debian/security', nowMs: validUntil - 1000, procs }))
        .resolves.toMatchObject({ base: 'dists/bookworm-security/' });
      await expect(fetchRelease({ cache: securityCache(), distribution: 'bookworm-security', keyring: security, what: 'debian/security', nowMs: validUntil + 1000, procs }))
        .rejects.toThrow(/^debian\/security: http:\S+\/dists\/bookworm-security\/InRelease expired on .* \(Valid-Until\)/);
      // pinned to the bookworm archive key, the security Release has no good signature
      await expect(fetchRelease({ cache: securityCache(), distribution: 'bookworm-security', keyring: trusted, what: 'debian/security', nowMs: validUntil - 1000, procs }))
        .rejects.toThrow(new RegExp(`does not verify with the key from key_url: .*signed by [0-9A-F]{40} \\(a subkey of ${BOOKWORM_SECURITY}\\), which is not pinned`));
    } finally {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
