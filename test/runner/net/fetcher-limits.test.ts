/**
 * The fetcher's bounds against hostile servers on loopback (test/support/archive-server.ts): a
 * drip below the floor rate is a stall, bodies above their cap are refused after reading at most
 * about the cap (declared or chunked), a file larger than its verified size is refused, and a
 * full disk is one error without retries.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fieldOf, IndexEntry } from '../../../src/runner/deb/packages-index';
import { parseRelease } from '../../../src/runner/deb/release-info';
import { BuildLog } from '../../../src/runner/log';
import { KEY_URL_CAP, RELEASE_CAP, maxSeconds } from '../../../src/runner/net/download-limits';
import { Fetcher, UpstreamCache } from '../../../src/runner/net/fetcher';
import { fetchIntoPool } from '../../../src/runner/net/prefetch';
import { ChildProcesses } from '../../../src/runner/proc';
import { DiskFullError } from '../../../src/runner/workspace-room';
import { FileServerHandle, FileServerOptions, startFileServer } from '../../support/archive-server';
import { mountTmpfs, unmountTmpfs } from '../../support/tmpfs';

/** This file's child processes (a build has its own, from its BuildRun). */
const procs = new ChildProcesses();

const MIB = 1024 * 1024;
/** What loopback socket buffers can hold beyond what curl read: bytes sent may exceed the cap by this much. */
const SOCKET_SLACK = 16 * MIB;

let dir: string;
const servers: FileServerHandle[] = [];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-limits-'));
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function server(options: FileServerOptions): Promise<FileServerHandle> {
  const s = await startFileServer(undefined, options);
  servers.push(s);
  return s;
}

/** The log's warnings, to see retries. */
function quietLog(): { log: BuildLog; warnings: string[] } {
  const log = new BuildLog();
  const warnings: string[] = [];
  log.warn = (m: string) => void warnings.push(m);
  return { log, warnings };
}

describe('the floor rate', () => {
  test('GIVEN a server that drips 2 bytes/s THEN the download is stalled after about the stall timeout, not after the file (was: 7x and more)', async () => {
    const s = await server({ files: { '/pool/p.deb': Buffer.alloc(4000, 1) }, drip: { path: /\.deb$/, bytesPerSecond: 2 } });
    const fetcher = new Fetcher({ retries: 1, stallSeconds: 2 }, quietLog().log, procs);
    const started = Date.now();
    await expect(fetcher.download(`${s.url}/pool/p.deb`, path.join(dir, 'p.deb'), 'test', { maxBytes: 4000, size: 4000 }))
      .rejects.toThrow(new RegExp(`test: cannot download ${s.url}/pool/p\\.deb after 1 attempts: stalled: less than 1 KiB/s for 2s \\(stallTimeout\\): \\d+ bytes in 2\\.\\ds, [0-9.]+ bytes/s`));
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeGreaterThanOrEqual(2);
    expect(seconds).toBeLessThan(6);
    expect(fs.existsSync(path.join(dir, 'p.deb'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'p.deb.part'))).toBe(false);
  });

  test('the overall bound is connect + one stall + the size at the floor rate', () => {
    expect(maxSeconds({ maxBytes: 10 * 1024, size: 10 * 1024 }, 120)).toBe(30 + 120 + 10);
    expect(maxSeconds({ maxBytes: KEY_URL_CAP }, 5)).toBe(30 + 5 + 4096);
  });
});

describe('byte caps', () => {
  const huge = 300 * MIB;
  for (const contentLength of [true, false]) {
    test(`GIVEN a 300 MiB key_url ${contentLength ? 'with' : 'without'} Content-Length THEN it is refused after reading at most about the cap, once, and leaves no file`, async () => {
      const s = await server({ huge: { path: /^\/key\.asc$/, bytes: huge, contentLength } });
      const { log, warnings } = quietLog();
      const fetcher = new Fetcher({ retries: 3, stallSeconds: 5 }, log, procs);
      const url = `${s.url}/key.asc`;
      await expect(fetcher.download(url, path.join(dir, 'key'), 'key_url', { maxBytes: KEY_URL_CAP, tooLarge: `key_url ${url} is larger than 4 MiB: not an OpenPGP key file` }))
        .rejects.toThrow(`key_url: key_url ${url} is larger than 4 MiB: not an OpenPGP key file`);
      expect(s.requests).toEqual(['/key.asc']);
      expect(warnings).toEqual([]);
      const sent = s.bytesSent.get('/key.asc') ?? 0;
      expect(sent).toBeLessThan(KEY_URL_CAP + SOCKET_SLACK);
      expect(fs.readdirSync(dir)).toEqual([]);
    });
  }

  test('GIVEN an InRelease of 300 MiB without Content-Length THEN the cache refuses it at the Release cap', async () => {
    const s = await server({ huge: { path: /InRelease$/, bytes: huge, contentLength: false } });
    const cache = new UpstreamCache(`${s.url}/debian`, dir, new Fetcher({ retries: 2, stallSeconds: 5 }, quietLog().log, procs), 'debian/bookworm');
    await expect(cache.get('dists/bookworm/InRelease')).rejects.toThrow(
      `debian/bookworm: ${s.url}/debian/dists/bookworm/InRelease is larger than 32 MiB, more than any InRelease should be: refusing to read on`);
    expect(s.requests).toHaveLength(1);
    expect(s.bytesSent.get('/debian/dists/bookworm/InRelease') ?? 0).toBeLessThan(RELEASE_CAP + SOCKET_SLACK);
  });

  test('GIVEN a verified Release THEN an index larger than the size it lists is refused (declared or not)', async () => {
    for (const contentLength of [true, false]) {
      const s = await server({ huge: { path: /Packages\.gz$/, bytes: 5 * MIB, contentLength } });
      const cache = new UpstreamCache(`${s.url}/debian`, dir, new Fetcher({ retries: 2, stallSeconds: 5 }, quietLog().log, procs), 'debian/bookworm');
      cache.release = parseRelease('Origin: Debian\nSHA256:\n 0123 1000 main/binary-amd64/Packages.gz\n', 'dists/bookworm/');
      await expect(cache.get('dists/bookworm/main/binary-amd64/Packages.gz')).rejects.toThrow(
        `debian/bookworm: ${s.url}/debian/dists/bookworm/main/binary-amd64/Packages.gz is larger than the 1000 bytes the signed Release lists for it: the upstream is being updated or the download was tampered with; retry later`);
      expect(s.requests).toHaveLength(1);
    }
  });

  test('caps by kind before anything is verified, the listed size after', () => {
    const cache = new UpstreamCache('http://127.0.0.1:9/debian', dir, new Fetcher({ retries: 1, stallSeconds: 5 }, quietLog().log, procs), 'test');
    expect(cache.limitsOf('dists/bookworm/InRelease').maxBytes).toBe(32 * MIB);
    expect(cache.limitsOf('dists/bookworm/Release').maxBytes).toBe(32 * MIB);
    expect(cache.limitsOf('dists/bookworm/Release.gpg').maxBytes).toBe(1 * MIB);
    // A speculative index download, before the Release is verified.
    expect(cache.limitsOf('dists/bookworm/main/binary-amd64/Packages.gz').maxBytes).toBe(128 * MIB);
    expect(cache.limitsOf('dists/bookworm/main/binary-amd64/Packages.gz').size).toBeUndefined();
    cache.release = parseRelease('Origin: Debian\nSHA256:\n 0123 1000 main/binary-amd64/Packages.gz\n 4567 0 main/binary-amd64/Packages\n', 'dists/bookworm/');
    cache.listSizes([['pool/main/t/tool/tool_1.0_all.deb', 700]]);
    expect(cache.limitsOf('dists/bookworm/main/binary-amd64/Packages.gz')).toMatchObject({ maxBytes: 1000, size: 1000 });
    expect(cache.limitsOf('dists/bookworm/main/binary-amd64/Packages')).toMatchObject({ maxBytes: 0, size: 0 });
    expect(cache.limitsOf('/pool/main/t/tool/tool_1.0_all.deb')).toMatchObject({ maxBytes: 700, size: 700 });
  });

  test('GIVEN package sizes from the Packages index THEN a package file larger than listed is refused in a prefetch', async () => {
    const s = await server({ huge: { path: /\.deb$/, bytes: 2 * MIB, contentLength: false }, files: { '/debian/pool/ok.deb': Buffer.alloc(700, 7) } });
    const cache = new UpstreamCache(`${s.url}/debian`, dir, new Fetcher({ retries: 1, stallSeconds: 5 }, quietLog().log, procs), 'debian/bookworm');
    cache.listSizes([['pool/big.deb', 700], ['pool/ok.deb', 700]]);
    await cache.prefetch(['pool/big.deb'], 4);
    await expect(cache.get('pool/big.deb')).rejects.toThrow(`${s.url}/debian/pool/big.deb is larger than the 700 bytes the Packages index lists for it: the upstream is being updated or the download was tampered with; retry later`);
  });
});

test('GIVEN a path with a newline (aptly asks for what a hostile index names) THEN it never becomes a curl option', async () => {
  const s = await server({ files: { '/y': 'served\n' } });
  const evil = path.join(dir, 'evil');
  const fetcher = new Fetcher({ retries: 1, stallSeconds: 5 }, quietLog().log, procs);
  await fetcher.download(`${s.url}/x\noutput = ${evil}\nurl = ${s.url}/y`, path.join(dir, 'x'), 'test', { maxBytes: 100 }).catch(() => undefined);
  expect(fs.existsSync(evil)).toBe(false);
  // No request for the injected URL (curl refuses the whole one, with its spaces, as a bad URL).
  expect(s.requests.filter(r => r.startsWith('/y'))).toEqual([]);
});

describe('a full disk', () => {
  let mnt: string | undefined;
  beforeEach(() => {
    mnt = mountTmpfs(path.join(dir, 'tmpfs'), '2m');
  });
  afterEach(() => {
    unmountTmpfs(mnt);
    mnt = undefined;
  });

  test('GIVEN a download that fills the disk THEN one DiskFullError naming the directory, its free space and what to do; no retry', async () => {
    if (!mnt) return;
    const s = await server({ huge: { path: /\.deb$/, bytes: 8 * MIB } });
    const { log, warnings } = quietLog();
    const fetcher = new Fetcher({ retries: 3, stallSeconds: 5 }, log, procs);
    const dest = path.join(mnt, 'cache', 'big.deb');
    const err = await fetcher.download(`${s.url}/big.deb`, dest, 'debian/bookworm', { maxBytes: 8 * MIB, size: 8 * MIB }).catch(e => e);
    expect(err).toBeInstanceOf(DiskFullError);
    expect(fetcher.fatal).toBe(err);
    expect(err.message).toMatch(new RegExp(`^the workspace is full: downloading ${s.url}/big\\.deb failed: no space left on ${mnt}/cache \\(filesystem ${mnt}\\), [0-9.]+ MiB free: `
      + 'raise buildJob.mirrorSizeEstimate .*buildJob.workspaceVolumeClaim .*--out'));
    expect(s.requests).toEqual(['/big.deb']);
    expect(warnings).toEqual([]);
    // Later downloads fail with it at once, without a request.
    await expect(fetcher.download(`${s.url}/other.deb`, path.join(mnt, 'other.deb'), 'x', { maxBytes: 10 })).rejects.toBe(err);
    expect(s.requests).toEqual(['/big.deb']);
  });

  test('GIVEN packages that fill the disk during a prefetch THEN it fails with the full disk at once: no download again, no retry', async () => {
    if (!mnt) return;
    const s = await server({ huge: { path: /\.deb$/, bytes: 1536 * 1024 } });
    const { log, warnings } = quietLog();
    const cache = new UpstreamCache(`${s.url}/debian`, path.join(mnt, 'cache'), new Fetcher({ retries: 3, stallSeconds: 5 }, log, procs), 'debian/bookworm');
    const entries = ['a', 'b', 'c'].map(n => entry(n, 1536 * 1024));
    cache.listSizes(entries.map(e => [fieldOf(e.stanza, 'Filename')!, 1536 * 1024] as const));
    await expect(fetchIntoPool(entries, cache, path.join(mnt, 'pool'), 1)).rejects.toThrow(DiskFullError);
    expect(s.requests.length).toBeLessThanOrEqual(3);
    expect(new Set(s.requests).size).toBe(s.requests.length);
    expect(warnings).toEqual([]);
  });
});

/** An index entry of a package file `pool/main/<name>.deb` of `size` bytes. */
function entry(name: string, size: number): IndexEntry {
  const stanza = `Package: ${name}\nVersion: 1.0\nArchitecture: all\nFilename: pool/main/${name}.deb\nSize: ${size}\nSHA256: ${'ab'.repeat(32)}`;
  return { name, version: '1.0', architecture: 'all', provides: [], source: 0, component: 'main', stanza, key: `${name} 1.0 all` };
}
