/**
 * The previous build's manifest as the runner reads and judges it: what counts as "no previous
 * build", what fails the build, and the comparisons themselves.
 */
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { SourceConfig } from '../../../src/runner/build-json-reader';
import { parseRelease } from '../../../src/runner/deb/release-info';
import { writeManifest } from '../../../src/runner/history/manifest';
import {
  checkPackageVersions, checkReleaseDate, findDowngrades, loadPreviousBuild, PreviousBuild, PreviousManifest, previousManifestSetting,
} from '../../../src/runner/history/previous-build';
import { BuildLog } from '../../../src/runner/log';
import { BuildError } from '../../../src/runner/proc';
import { publicUrl } from '../../../src/util/public-url';

/** A BuildLog that records what it says instead of printing it. */
function recordingLog(): BuildLog & { lines: string[] } {
  const log = new BuildLog() as BuildLog & { lines: string[] };
  log.lines = [];
  log.say = (m: string) => void log.lines.push(m);
  return log;
}

const SOURCE: SourceConfig = {
  prefix: 'debian',
  name: 'bookworm',
  url: 'http://debian.mirror.example/debian',
  keyUrl: 'http://debian.mirror.example/key.asc',
  distribution: 'bookworm',
  components: ['main'],
  publishDistribution: 'bookworm',
  world: 'bookworm',
  architectures: ['amd64'],
  verify: true,
  fingerprints: [],
  dependencyGate: true,
  origin: null,
  label: null,
  suite: null,
  recommends: true,
  allowDistributionMismatch: false,
  allowBroadQueries: false,
  allowDowngrade: false,
};

const PREVIOUS: PreviousManifest = {
  upstreams: [{ prefix: 'debian', name: 'bookworm', url: 'http://debian.mirror.example/debian', distribution: 'bookworm', releaseDate: 'Sat, 10 Jun 2023 09:00:00 UTC' }],
  packages: [
    { prefix: 'debian', distribution: 'bookworm', component: 'main', name: 'app', version: '1:1.1-1', architecture: 'amd64' },
    { prefix: 'debian', distribution: 'bookworm', component: 'main', name: 'lib', version: '2.0', architecture: 'amd64' },
    { prefix: 'debian', distribution: 'bookworm', component: 'main', name: 'lib', version: '2.1~rc1', architecture: 'amd64' },
  ],
};
const previous: PreviousBuild = { where: 'http://mirror-server/manifest.json', manifest: PREVIOUS };

const release = (date: string | undefined) => parseRelease(`Origin: Debian\nSuite: stable\n${date ? `Date: ${date}\n` : ''}Components: main\n`, 'dists/bookworm/');

/** A server answering every request with `handler`. */
async function serve(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise(r => server.close(() => r())) };
}

describe('loading the previous manifest', () => {
  test('connection refused and 404 mean a first build, and say so', async () => {
    const closed = await serve(() => undefined);
    await closed.close();
    const log = recordingLog();
    expect(await loadPreviousBuild(`${closed.url}/manifest.json`, log)).toBeUndefined();
    expect(log.lines).toEqual([`no previous manifest at ${closed.url}/manifest.json: first build, nothing to compare`]);
    const missing = await serve((_req, res) => res.writeHead(404).end('not found'));
    try {
      expect(await loadPreviousBuild(`${missing.url}/manifest.json`, log)).toBeUndefined();
    } finally {
      await missing.close();
    }
  });

  test('any other answer fails the build: a server error, a redirect, not JSON, not a manifest', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/error') res.writeHead(500).end('boom');
      else if (req.url === '/moved') res.writeHead(302, { location: 'http://elsewhere.example/manifest.json?token=secret' }).end();
      else if (req.url === '/html') res.writeHead(200).end('<html>maintenance</html>');
      else res.writeHead(200).end('{"packages": []}');
    });
    try {
      const log = recordingLog();
      await expect(loadPreviousBuild(`${server.url}/error`, log)).rejects.toThrow(/cannot read the previous manifest at http:\/\/127\.0\.0\.1:\d+\/error: HTTP 500; the downgrade check needs it \(set the previousManifest build option to another URL, or PreviousManifest\.none\(\) to build without the check\)/);
      await expect(loadPreviousBuild(`${server.url}/moved`, log)).rejects.toThrow(/HTTP 302 \(redirect to http:\/\/elsewhere\.example\/manifest\.json, not followed\)/);
      await expect(loadPreviousBuild(`${server.url}/html`, log)).rejects.toThrow(/is not JSON .*: it must be the manifest\.json a build wrote/);
      await expect(loadPreviousBuild(`${server.url}/shape`, log)).rejects.toThrow(/is not a mini-mirror manifest \(upstreams and packages with their fields\)/);
      await expect(loadPreviousBuild(`${server.url}/error`, log)).rejects.toBeInstanceOf(BuildError);
    } finally {
      await server.close();
    }
  });

  test('a name that does not resolve fails the build (only refused and 404 mean "no previous build")', async () => {
    await expect(loadPreviousBuild('http://mirror-server.invalid/manifest.json', recordingLog())).rejects.toThrow(/cannot read the previous manifest at http:\/\/mirror-server\.invalid\/manifest\.json: (ENOTFOUND|EAI_AGAIN)/);
  });

  test('credentials and query strings of the URL never reach the log', async () => {
    const server = await serve((_req, res) => res.writeHead(200).end(JSON.stringify(PREVIOUS)));
    try {
      const log = recordingLog();
      const url = server.url.replace('http://', 'http://user:s3cret@') + '/manifest.json?token=s3cret';
      const found = await loadPreviousBuild(url, log);
      expect(found?.manifest.packages).toHaveLength(3);
      expect(found?.where).toBe(`${server.url}/manifest.json`);
      expect(log.lines.join('\n')).not.toContain('s3cret');
    } finally {
      await server.close();
    }
  });

  test('a file is read as it is; a missing file fails the build', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-previous-'));
    try {
      const file = path.join(dir, 'manifest.json');
      fs.writeFileSync(file, JSON.stringify(PREVIOUS));
      expect((await loadPreviousBuild(file, recordingLog()))?.manifest.upstreams[0].releaseDate).toBe('Sat, 10 Jun 2023 09:00:00 UTC');
      await expect(loadPreviousBuild(path.join(dir, 'missing.json'), recordingLog())).rejects.toThrow(/cannot read the previous manifest .*missing\.json: ENOENT: give the manifest\.json of the previous build, or none/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('none configured: the build says that nothing was compared', async () => {
    const log = recordingLog();
    expect(await loadPreviousBuild(null, log)).toBeUndefined();
    expect(log.lines).toEqual([expect.stringMatching(/^WARNING: no previous build is compared: a replayed or frozen upstream and packages that went down are not detected/)]);
  });

  test('a host build overrides build.json through the environment; empty means none', () => {
    const saved = process.env.MINI_MIRROR_PREVIOUS_MANIFEST;
    try {
      delete process.env.MINI_MIRROR_PREVIOUS_MANIFEST;
      expect(previousManifestSetting('http://mirror-server/manifest.json')).toBe('http://mirror-server/manifest.json');
      process.env.MINI_MIRROR_PREVIOUS_MANIFEST = '';
      expect(previousManifestSetting('http://mirror-server/manifest.json')).toBeNull();
      process.env.MINI_MIRROR_PREVIOUS_MANIFEST = '/srv/old/manifest.json';
      expect(previousManifestSetting(null)).toBe('/srv/old/manifest.json');
    } finally {
      if (saved === undefined) delete process.env.MINI_MIRROR_PREVIOUS_MANIFEST;
      else process.env.MINI_MIRROR_PREVIOUS_MANIFEST = saved;
    }
  });
});

describe('the Release Date', () => {
  test('older than last time: refused, naming both dates and the setting', () => {
    expect(() => checkReleaseDate(previous, SOURCE, release('Sat, 03 Jun 2023 09:00:00 UTC'), recordingLog())).toThrow(
      'debian/bookworm: the upstream Release of http://debian.mirror.example/debian bookworm is dated Sat, 03 Jun 2023 09:00:00 UTC, '
      + 'older than the one the previous build mirrored (Sat, 10 Jun 2023 09:00:00 UTC): a replayed or frozen upstream Release; nothing was published. '
      + 'set allowDowngrade on the source (YAML allow_downgrade: true; mini-mirror --allow-downgrade <source id>) only if you mean to go back');
  });

  test('the same or a newer Date passes; a date in another zone is compared as a time', () => {
    const log = recordingLog();
    checkReleaseDate(previous, SOURCE, release('Sat, 10 Jun 2023 09:00:00 UTC'), log);
    checkReleaseDate(previous, SOURCE, release('Sat, 10 Jun 2023 10:30:00 +0100'), log);
    expect(() => checkReleaseDate(previous, SOURCE, release('Sat, 10 Jun 2023 09:30:00 +0100'), log)).toThrow(/older than/);
    expect(log.lines).toEqual([]);
  });

  test('allowDowngrade: a warning, and the build goes on', () => {
    const log = recordingLog();
    checkReleaseDate(previous, { ...SOURCE, allowDowngrade: true }, release('Sat, 03 Jun 2023 09:00:00 UTC'), log);
    expect(log.lines).toEqual([expect.stringMatching(/^WARNING: debian\/bookworm: .* is dated Sat, 03 Jun 2023 09:00:00 UTC, older than .*; going on because the source sets allowDowngrade$/)]);
  });

  test('the place clients name is compared, whatever the source is called or mirrored from: a stale mirror swapped in is caught', () => {
    const log = recordingLog();
    const old = release('Sat, 03 Jun 2023 09:00:00 UTC');
    expect(() => checkReleaseDate(previous, { ...SOURCE, url: 'http://stale.mirror.example/debian' }, old, log)).toThrow(/older than/);
    expect(log.lines).toEqual(['WARNING: debian/bookworm: debian/dists/bookworm was mirrored from http://debian.mirror.example/debian bookworm last time, '
      + 'now from http://stale.mirror.example/debian bookworm: its Release must still not be older']);
    expect(() => checkReleaseDate(previous, { ...SOURCE, name: 'bookworm-2' }, old, recordingLog())).toThrow(/older than/);
    // The URL the manifest recorded has no credentials: the same upstream with them still matches.
    expect(() => checkReleaseDate(previous, { ...SOURCE, url: 'http://u:p@debian.mirror.example/debian' }, old, recordingLog())).toThrow(/older than/);
    // Another prefix is another place: nothing to compare.
    const other = recordingLog();
    checkReleaseDate(previous, { ...SOURCE, prefix: 'other' }, old, other);
    expect(other.lines).toEqual([]);
  });

  test('a Date that cannot be read is a warning, not a silent pass', () => {
    const log = recordingLog();
    checkReleaseDate(previous, SOURCE, release(undefined), log);
    expect(log.lines).toEqual(['WARNING: debian/bookworm: cannot compare upstream Release dates (previous "Sat, 10 Jun 2023 09:00:00 UTC", now null)']);
  });
});

describe('package versions', () => {
  const now = (version: string, extra: Partial<PreviousManifest['packages'][number]> = {}) => [
    { prefix: 'debian', distribution: 'bookworm', component: 'main', name: 'app', version, architecture: 'amd64', ...extra },
    { prefix: 'debian', distribution: 'bookworm', component: 'main', name: 'lib', version: '2.1', architecture: 'amd64' },
  ];

  test('a version that went down is found with Debian ordering (epochs, tildes), the newest of several versions counting', () => {
    expect(findDowngrades(PREVIOUS, now('1:1.1-1'), [SOURCE])).toEqual([]);
    expect(findDowngrades(PREVIOUS, now('1:1.2'), [SOURCE])).toEqual([]);
    // 1.9 without the epoch is lower than 1:1.1-1
    expect(findDowngrades(PREVIOUS, now('1.9'), [SOURCE])).toEqual([
      { source: 'debian/bookworm', key: 'app amd64 (world bookworm: debian/bookworm)', oldVersion: '1:1.1-1', newVersion: '1.9', allowed: false },
    ]);
    // lib had 2.0 and 2.1~rc1: the newest was 2.1~rc1; 2.1 is newer, 2.0 alone is a downgrade
    expect(findDowngrades(PREVIOUS, [now('1:1.1-1')[0], { ...now('')[1], version: '2.0' }], [SOURCE]).map(d => `${d.key} ${d.oldVersion} -> ${d.newVersion}`))
      .toEqual(['lib amd64 (world bookworm: debian/bookworm) 2.1~rc1 -> 2.0']);
  });

  test('another architecture or another world is another package; a removed package is no downgrade', () => {
    expect(findDowngrades(PREVIOUS, now('1.0', { architecture: 'arm64' }), [SOURCE])).toEqual([]);
    expect(findDowngrades(PREVIOUS, now('1.0', { prefix: 'other' }), [SOURCE])).toEqual([]);
    expect(findDowngrades(PREVIOUS, [], [SOURCE])).toEqual([]);
  });

  test('clients see a world whole: a version gone from one component or pocket while an older one stays is a downgrade', () => {
    expect(findDowngrades(PREVIOUS, now('1.0', { component: 'contrib' }), [SOURCE])).toEqual([expect.objectContaining({ oldVersion: '1:1.1-1', newVersion: '1.0' })]);
    // The security fix withdrawn: the pocket's newer version is gone, the release's older one stays.
    const security = { ...SOURCE, prefix: 'debian-security', name: 'security', distribution: 'bookworm-security', publishDistribution: 'bookworm-security' };
    const before = {
      upstreams: [...PREVIOUS.upstreams, {
        prefix: 'debian-security',
        name: 'security',
        url: 'http://security.mirror.example/debian-security',
        distribution: 'bookworm-security',
        publishedAs: 'bookworm-security',
        world: 'bookworm',
        releaseDate: 'Sat, 10 Jun 2023 09:00:00 UTC',
      }],
      packages: [
        { prefix: 'debian', distribution: 'bookworm', component: 'main', name: 'libfoo', version: '1.0', architecture: 'amd64' },
        { prefix: 'debian-security', distribution: 'bookworm-security', component: 'main', name: 'libfoo', version: '1.0+deb12u1', architecture: 'amd64' },
      ],
    };
    const after = [{ prefix: 'debian', distribution: 'bookworm', component: 'main', name: 'libfoo', version: '1.0', architecture: 'amd64' }];
    expect(findDowngrades(before, after, [SOURCE, security])).toEqual([{
      source: 'debian/bookworm', key: 'libfoo amd64 (world bookworm: debian/bookworm)', oldVersion: '1.0+deb12u1', newVersion: '1.0', allowed: false,
    }]);
  });

  test('refused with every package named; allowed per source with a warning', () => {
    const log = recordingLog();
    let error: BuildError | undefined;
    try {
      checkPackageVersions(previous, now('1.0'), [SOURCE], log);
    } catch (e) {
      error = e as BuildError;
    }
    expect(error?.message).toBe('1 package version went down since the previous build (http://mirror-server/manifest.json) in debian/bookworm: '
      + 'app amd64 (world bookworm: debian/bookworm) 1:1.1-1 -> 1.0: a replayed or frozen upstream; nothing was published. '
      + 'set allowDowngrade on the source (YAML allow_downgrade: true; mini-mirror --allow-downgrade <source id>) only if you mean to go back');
    expect(error?.details).toBe('debian/bookworm: app amd64 (world bookworm: debian/bookworm) 1:1.1-1 -> 1.0');
    checkPackageVersions(previous, now('1.0'), [{ ...SOURCE, allowDowngrade: true }], log);
    expect(log.lines).toEqual(['WARNING: debian/bookworm: package app amd64 (world bookworm: debian/bookworm) went down from 1:1.1-1 to 1.0; going on because the source sets allowDowngrade', expect.stringMatching(/no package version went down/)]);
  });
});

describe('the manifest publishes no secrets', () => {
  test('publicUrl drops userinfo, query and fragment, and keeps the rest as given', () => {
    expect(publicUrl('http://user:pa%40ss@debian.mirror.example:8080/debian?token=abc#x')).toBe('http://debian.mirror.example:8080/debian');
    expect(publicUrl('https://debian.mirror.example/debian/')).toBe('https://debian.mirror.example/debian/');
    expect(publicUrl('http://debian.mirror.example')).toBe('http://debian.mirror.example');
    expect(publicUrl('not a url?token=abc')).toBe('not a url');
  });

  test('writeManifest records the upstream URL without credentials or token', async () => {
    const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-manifest-'));
    try {
      const dir = path.join(stage, 'debian', 'dists', 'bookworm', 'main', 'binary-amd64');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'Packages'), 'Package: app\nVersion: 1.1\nArchitecture: amd64\nSize: 10\nSHA256: ab\nFilename: pool/main/a/app/app_1.1_amd64.deb\n');
      const config = { ...SOURCE, url: 'https://user:s3cret@debian.mirror.example/debian?token=s3cret' };
      const mirror = { config, state: { mirrors: new Map([['main', ['m0c0']]]) }, release: release('Sat, 10 Jun 2023 09:00:00 UTC') } as any;
      await writeManifest(stage, [mirror], { contentHash: 'h', buildIdentity: 'i', refreshEpoch: null, builtAt: '2023-06-10T09:00:00Z' });
      const text = fs.readFileSync(path.join(stage, 'manifest.json'), 'utf8');
      expect(text).not.toContain('s3cret');
      const m = JSON.parse(text);
      expect(m.upstreams[0]).toMatchObject({ url: 'https://debian.mirror.example/debian', releaseDate: 'Sat, 10 Jun 2023 09:00:00 UTC' });
      expect(m.packages).toEqual([expect.objectContaining({ component: 'main', name: 'app', version: '1.1' })]);
    } finally {
      fs.rmSync(stage, { recursive: true, force: true });
    }
  });
});
