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
import { fetchVerified } from '../../../src/runner/net/verified-download';
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

  test('GIVEN a wrong MD5sum beside a right SHA256 THEN the file is refused as apt would refuse it', async () => {
    answers = [GOOD];
    const wrong = hash('md5', BAD);
    const err = await fetchVerified([entry(`MD5sum: ${wrong}\nSHA256: ${hash('sha256', GOOD)}`)], cache, { concurrency: 4, retries: 1, id: 'debian/bookworm' }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(new RegExp(`hash mismatch after 1 attempt: MD5sum ${hash('md5', GOOD)}, the signed Packages index lists ${wrong}$`));
  });

  test('GIVEN two stanzas naming one file THEN it is downloaded once when they agree, and the build fails naming both when they do not', async () => {
    answers = [GOOD];
    const other = parseIndex(`Package: pkg-alias\nVersion: 2\nArchitecture: all\nFilename: ./pool/main/p/pkg/pkg_1_all.deb\nSize: ${GOOD.length}\n`
      + `SHA256: ${hash('sha256', GOOD)}`, 0, 'main')[0];
    expect(await fetchVerified([entry(`SHA256: ${hash('sha256', GOOD)}`), other], cache, { concurrency: 4, retries: 1, id: 'debian/bookworm' })).toBe(1);
    expect(requests).toHaveLength(1);
    expect(cache.verified.get('pool/main/p/pkg/pkg_1_all.deb')?.checksums.get('SHA256')).toBe(hash('sha256', GOOD));
    // A later stanza (the world closure's) that disagrees with what was checked.
    const liar = parseIndex(`Package: pkg-evil\nVersion: 3\nArchitecture: all\nFilename: pool/main/p/pkg/pkg_1_all.deb\nSize: ${BAD.length}\nSHA256: ${hash('sha256', BAD)}`, 0, 'main')[0];
    const err = await fetchVerified([liar], cache, { concurrency: 4, retries: 1, id: 'debian/bookworm' }).catch((e: Error) => e);
    expect((err as Error).message).toBe('debian/bookworm: pkg 1 (all) and pkg-evil 3 (all) both name pool/main/p/pkg/pkg_1_all.deb in upstream\'s Packages index, '
      + 'with different sizes or checksums: apt would refuse the file for one of them; the index is inconsistent (ask upstream, or leave one of them out of packages.txt)');
    expect(requests).toHaveLength(1);
  });

  test('GIVEN a file of another size THEN the size is what the error names (curl stops at the listed size: a longer file fails to download)', async () => {
    answers = [GOOD.subarray(0, 5)];
    const err = await fetchVerified([entry(`SHA256: ${hash('sha256', GOOD)}`)], cache, { concurrency: 4, retries: 1, id: 'debian/bookworm' }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/hash mismatch after 1 attempt: 5 bytes, the signed Packages index lists 17$/);
  });
});
