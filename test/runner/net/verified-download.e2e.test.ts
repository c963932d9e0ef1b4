// The runner's own check of the package files it indexes: curl downloads from a loopback server
// that serves what a test says, the check hashes what arrived.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { parseIndex } from '../../../src/runner/deb/packages-index';
import { BuildLog } from '../../../src/runner/log';
import { Fetcher, UpstreamCache } from '../../../src/runner/net/fetcher';
import { expectedFile, fetchVerified } from '../../../src/runner/net/verified-download';
import { BuildError, ChildProcesses } from '../../../src/runner/proc';

const procs = new ChildProcesses();
const GOOD = Buffer.from('the real package\n');
const BAD = Buffer.from('the evil package\n'); // same size
const hash = (algo: string, data: Buffer) => crypto.createHash(algo).update(data).digest('hex');

function entry(checksums: string, size = GOOD.length) {
  return parseIndex(`Package: pkg\nVersion: 1\nArchitecture: all\nFilename: pool/main/p/pkg/pkg_1_all.deb\nSize: ${size}\n${checksums}`, 0, 'main')[0];
}

let dir: string;
let server: http.Server;
let requests: string[];
/** What the server answers for the package, request by request (the last one repeats). */
let answers: Buffer[];
let cache: UpstreamCache;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-verify-'));
  requests = [];
  server = http.createServer((req, res) => {
    requests.push(req.url!);
    res.end(answers[Math.min(requests.length - 1, answers.length - 1)]);
  });
  await new Promise<void>(res => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as AddressInfo).port;
  cache = new UpstreamCache(`http://127.0.0.1:${port}/debian`, dir, new Fetcher({ retries: 1, stallSeconds: 5 }, new BuildLog(), procs), 'test');
});
afterEach(async () => {
  await new Promise(res => server.close(res));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('fetchVerified', () => {
  test('GIVEN the file as listed THEN it is in the cache after one request', async () => {
    answers = [GOOD];
    expect(await fetchVerified([entry(`SHA256: ${hash('sha256', GOOD)}`)], cache, { concurrency: 4, retries: 3, id: 'debian/bookworm' })).toBe(1);
    expect(fs.readFileSync(cache.fileOf('pool/main/p/pkg/pkg_1_all.deb')!)).toEqual(GOOD);
    expect(requests).toEqual(['/debian/pool/main/p/pkg/pkg_1_all.deb']);
  });

  test('GIVEN a bad copy first THEN it is downloaded again and the good one kept', async () => {
    answers = [BAD, GOOD];
    await fetchVerified([entry(`SHA256: ${hash('sha256', GOOD)}`)], cache, { concurrency: 4, retries: 3, id: 'debian/bookworm' });
    expect(fs.readFileSync(cache.fileOf('pool/main/p/pkg/pkg_1_all.deb')!)).toEqual(GOOD);
    expect(requests).toHaveLength(2);
  });

  test('GIVEN a file that never matches THEN the build fails after `retries` downloads, naming the URL and both hashes', async () => {
    answers = [BAD];
    const err = await fetchVerified([entry(`MD5sum: ${hash('md5', GOOD)}\nSHA256: ${hash('sha256', GOOD)}`)], cache, { concurrency: 4, retries: 2, id: 'debian/bookworm' })
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(BuildError);
    expect((err as Error).message).toBe(`debian/bookworm: ${cache.urlOf('pool/main/p/pkg/pkg_1_all.deb')}: hash mismatch after 2 attempts: `
      + `SHA256 ${hash('sha256', BAD)}, the signed Packages index lists ${hash('sha256', GOOD)}`);
    expect(requests).toHaveLength(2);
  });

  test('GIVEN a file of another size THEN the size is what the error names (curl stops at the listed size: a longer file fails to download)', async () => {
    answers = [GOOD.subarray(0, 5)];
    const err = await fetchVerified([entry(`SHA256: ${hash('sha256', GOOD)}`)], cache, { concurrency: 4, retries: 1, id: 'debian/bookworm' }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/hash mismatch after 1 attempt: 5 bytes, the signed Packages index lists 17$/);
  });
});

describe('expectedFile', () => {
  test('GIVEN several checksums THEN the strongest; none THEN a BuildError', () => {
    expect(expectedFile(entry(`MD5sum: ${hash('md5', GOOD)}\nSHA1: ${hash('sha1', GOOD)}`), 'x')).toEqual({ size: 17, algo: 'sha1', field: 'SHA1', digest: hash('sha1', GOOD) });
    expect(expectedFile(entry(`SHA256: ${hash('sha256', GOOD)}\nSHA512: ${hash('sha512', GOOD)}`), 'x').algo).toBe('sha512');
    // A malformed value is no checksum: the next one is taken.
    expect(expectedFile(entry(`SHA256: xyz\nMD5sum: ${hash('md5', GOOD)}`), 'x').algo).toBe('md5');
    expect(() => expectedFile(entry('SHA256: 12'), 'debian/bookworm')).toThrow(/^debian\/bookworm: pkg 1 \(all\) has no checksum in upstream's Packages index/);
  });
});
