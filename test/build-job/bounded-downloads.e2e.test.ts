/**
 * The build Job's mirror step (synthesized, run through the pod runner) against hostile upstreams
 * on loopback: a 2 bytes/s drip (on a package, on the InRelease) fails the build within a bound
 * close to the stall timeout; a huge key_url or InRelease is refused after reading at most about
 * its cap; a full workspace is one clear message without retries. Nothing is published in each.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AptClient } from '../support/apt-client';
import { DistsArchiveSpec } from '../support/archive-builder';
import { FakeWorld, FakeWorldHandle, FakeWorldOptions } from '../support/fake-world';
import { expectBuildFailed } from '../support/build-verdicts';
import { BuildResult, BuildSpec, removeBuild, runBuild } from '../support/run-build';
import { fillUntil, mountTmpfs, unmountTmpfs } from '../support/tmpfs';

const MIB = 1024 * 1024;
/** What loopback socket buffers hold beyond what curl read. */
const SOCKET_SLACK = 16 * MIB;
/** The smallest stallTimeout the construct accepts. */
const STALL = 10;

const ARCHIVE: DistsArchiveSpec = {
  kind: 'dists',
  path: 'debian',
  distributions: [{
    name: 'bookworm',
    origin: 'Debian',
    label: 'Debian',
    suite: 'stable',
    architectures: ['amd64'],
    components: { main: [{ name: 'tool', version: '1.0', depends: 'tool-data' }, { name: 'tool-data', version: '1.0' }] },
  }],
};

const toStop: Array<() => Promise<void>> = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const stop of toStop.reverse()) await stop();
  for (const d of dirs) await removeBuild(d);
});

async function world(options: FakeWorldOptions): Promise<FakeWorldHandle> {
  const w = await FakeWorld.start({ archives: [ARCHIVE] }, options);
  toStop.push(() => w.stop());
  return w;
}

async function build(w: FakeWorldHandle, extra: Partial<BuildSpec> = {}, pin = false): Promise<BuildResult> {
  const a = w.archives.debian;
  const r = await runBuild({
    signing: { mode: 'unsigned' },
    defaultAptlyConf: {},
    retries: 1,
    stallTimeoutSeconds: STALL,
    sources: [{ prefix: 'debian', name: 'bookworm', url: a.url, keyUrl: a.keyUrl, distribution: 'bookworm', components: ['main'], packages: ['tool'], fingerprints: pin ? [a.fingerprint] : undefined }],
    ...extra,
  });
  if (!extra.rootDir) dirs.push(r.rootDir);
  return r;
}

describe('a dripping upstream (2 bytes/s) with stallTimeout 10s', () => {
  test('on a package: the build fails within a few stall timeouts, naming the URL and the rate', async () => {
    const w = await world({ drip: { path: /\/tool-data_[^/]*\.deb$/, bytesPerSecond: 2 } });
    const r = await build(w);
    expectBuildFailed(r, /tool-data_1\.0_all\.deb[^\n]*stalled: less than 1 KiB\/s for 10s \(stallTimeout\): \d+ bytes in 1\d\.\ds, [0-9.]+ bytes\/s/);
    // The .deb is about 700 bytes: at 2 bytes/s it takes 6 minutes, and the old 1 byte/s floor never fired.
    // Here: the prefetch's attempt, then aptly's requests for it (its task, then the update alone), each one stall timeout.
    expect(r.containerMs).toBeLessThan(3 * STALL * 1000 + 20_000);
  }, 120_000);

  test('on the InRelease: the build fails after about the stall timeout, naming the URL and the rate', async () => {
    const w = await world({ drip: { path: /\/InRelease$/, bytesPerSecond: 2 } });
    const r = await build(w);
    expectBuildFailed(r, /ERROR: debian\/bookworm: cannot download http:\/\/127\.0\.0\.1:\d+\/debian\/dists\/bookworm\/InRelease after 1 attempts: stalled: less than 1 KiB\/s for 10s \(stallTimeout\): \d+ bytes in 1\d\.\ds, [0-9.]+ bytes\/s/);
    expect(r.containerMs).toBeLessThan(STALL * 1000 + 10_000);
  }, 120_000);
});

describe('unauthenticated downloads are capped', () => {
  for (const contentLength of [true, false]) {
    test(`a 300 MiB key_url (${contentLength ? 'declared' : 'chunked'}) is refused after reading at most about 4 MiB`, async () => {
      const w = await world({ huge: { path: /^\/keys\/archive\.asc$/, bytes: 300 * MIB, contentLength } });
      const r = await build(w);
      expectBuildFailed(r, new RegExp(`ERROR: debian/bookworm: key_url: key_url ${w.archives.debian.keyUrl.replace(/\./g, '\\.')} is larger than 4 MiB: not an OpenPGP key file`));
      expect(w.requests.filter(p => p === '/keys/archive.asc')).toHaveLength(1);
      expect(w.bytesSent.get('/keys/archive.asc') ?? 0).toBeLessThan(4 * MIB + SOCKET_SLACK);
    }, 120_000);
  }

  test('a 300 MiB InRelease (chunked) is refused after reading at most about 32 MiB', async () => {
    const w = await world({ huge: { path: /\/InRelease$/, bytes: 300 * MIB, contentLength: false } });
    const r = await build(w);
    expectBuildFailed(r, /ERROR: debian\/bookworm: http:\/\/127\.0\.0\.1:\d+\/debian\/dists\/bookworm\/InRelease is larger than 32 MiB, more than any InRelease should be: refusing to read on/);
    expect(w.requests.filter(p => p.endsWith('/InRelease'))).toHaveLength(1);
    expect(w.bytesSent.get('/debian/dists/bookworm/InRelease') ?? 0).toBeLessThan(32 * MIB + SOCKET_SLACK);
    // apt (Signed-By) never takes it either: past its own 10 MB (Acquire::MaxReleaseFileSize; it may
    // read on while it complains, hundreds of MB here), or, when it reads it whole, as no clearsigned
    // file; or it drops the InRelease and verifies Release + Release.gpg instead, which this
    // upstream also serves (the build refuses outright: a safe difference).
    const apt = await AptClient.create([{ uri: w.archives.debian.url, suite: 'bookworm', components: ['main'], signedBy: w.keys.archive.armored }]);
    toStop.push(() => apt.dispose());
    const verdict = await apt.update().then(ok => ok.stdout, (e: Error) => e.message);
    expect(verdict).toMatch(/Err:1 \S+ bookworm InRelease\n\s+(File has unexpected size \(\d+ != 10000000\)|Clearsigned file isn't valid)|bookworm Release\.gpg/);
  }, 120_000);
});

describe('a full workspace', () => {
  let root: string;
  let mnt: string | undefined;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-diskfull-'));
    mnt = mountTmpfs(path.join(root, 'workspace'), '24m');
  });
  afterAll(() => {
    unmountTmpfs(mnt);
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('GIVEN a workspace with 2 MiB left and a 20 MiB InRelease THEN one message naming the workspace, its free space and what to do; no retries', async () => {
    if (!mnt) return;
    fillUntil(mnt, 2 * MIB);
    const w = await world({ huge: { path: /\/InRelease$/, bytes: 20 * MIB } });
    // Pinned: the key is imported before the InRelease is asked for.
    const r = await build(w, { rootDir: root, retries: 3 }, true);
    const out = expectBuildFailed(r, /ERROR: the workspace is full: downloading http:\/\/127\.0\.0\.1:\d+\/debian\/dists\/bookworm\/InRelease failed: no space left on \/workspace\/\S+ \(filesystem \/workspace\), [0-9.]+ MiB free: raise buildJob\.mirrorSizeEstimate/);
    expect(out).not.toMatch(/retrying/);
    expect(w.requests.filter(p => p.endsWith('/InRelease'))).toHaveLength(1);
  }, 120_000);
});
