import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { parseRelease } from '../../../src/runner/deb/release-info';
import { BuildLog } from '../../../src/runner/log';
import { Fetcher, UpstreamCache } from '../../../src/runner/net/fetcher';
import { ChildProcesses } from '../../../src/runner/proc';

/** This file's child processes (a build has its own, from its BuildRun). */
const procs = new ChildProcesses();

describe('UpstreamCache', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-cache-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  // No request may reach the network here: the URL is a closed port on loopback.
  const cache = () => new UpstreamCache('http://127.0.0.1:9/debian', dir, new Fetcher({ retries: 1, stallSeconds: 1 }, new BuildLog(), procs), 'test');

  test('GIVEN the verified Release text pinned THEN aptly gets exactly it, and never the InRelease or Release.gpg', async () => {
    const c = cache();
    await c.pin('dists/bookworm/Release', 'Origin: Debian\nSuite: stable\n', ['dists/bookworm/InRelease', 'dists/bookworm/Release.gpg']);
    expect(await c.get('dists/bookworm/Release')).toBe('ok');
    expect(fs.readFileSync(c.fileOf('dists/bookworm/Release')!, 'utf8')).toBe('Origin: Debian\nSuite: stable\n');
    expect(await c.get('dists/bookworm/InRelease')).toBe('missing');
    expect(await c.get('dists/bookworm/Release.gpg')).toBe('missing');
  });

  test('GIVEN a verified Release THEN index files it does not list are missing without asking upstream (aptly probes compressions)', async () => {
    const c = cache();
    c.release = parseRelease('Origin: Debian\nSHA256:\n 0123 10 main/binary-amd64/Packages.gz\n', 'dists/bookworm/');
    expect(await c.get('dists/bookworm/main/binary-amd64/Packages.bz2')).toBe('missing');
    expect(await c.get('dists/bookworm/main/binary-amd64/Packages')).toBe('missing');
  });

  test('GIVEN a guess (speculate) that fails THEN it is not among the failures that explain aptly\'s; asked for in earnest, a failure is', async () => {
    const c = cache();
    c.speculate('dists/bookworm/main/binary-amd64/Packages.gz');
    await expect(c.get('dists/bookworm/main/binary-amd64/Packages.gz')).rejects.toThrow(/cannot download http:\/\/127\.0\.0\.1:9\/debian\/dists\/bookworm\/main\/binary-amd64\/Packages\.gz/);
    await new Promise(res => setImmediate(res));
    expect(c.failures).toHaveLength(1);
    const d = cache();
    d.speculate('dists/bookworm/InRelease');
    await new Promise(res => setTimeout(res, 1500));
    expect(d.failures).toEqual([]);
  });

  test('GIVEN several guesses (speculateAll) THEN each is asked for once, later gets share them, and a guess upstream lacks is missing, not a failure', async () => {
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
      requests.push(req.url!);
      if (req.url!.endsWith('/InRelease')) res.end('signed release');
      else res.writeHead(404).end();
    });
    await new Promise<void>(res => server.listen(0, '127.0.0.1', res));
    try {
      const port = (server.address() as AddressInfo).port;
      const c = new UpstreamCache(`http://127.0.0.1:${port}/debian`, dir, new Fetcher({ retries: 1, stallSeconds: 5 }, new BuildLog(), procs), 'test');
      c.speculateAll(['dists/bookworm/InRelease', 'dists/bookworm/main/binary-amd64/Packages.gz', 'dists/bookworm/contrib/binary-amd64/Packages.gz']);
      expect(await c.get('dists/bookworm/InRelease')).toBe('ok');
      expect(fs.readFileSync(c.fileOf('dists/bookworm/InRelease')!, 'utf8')).toBe('signed release');
      expect(await c.get('dists/bookworm/main/binary-amd64/Packages.gz')).toBe('missing');
      expect(requests.sort()).toEqual(['/debian/dists/bookworm/InRelease', '/debian/dists/bookworm/contrib/binary-amd64/Packages.gz',
        '/debian/dists/bookworm/main/binary-amd64/Packages.gz']);
      expect(c.failures).toEqual([]);
    } finally {
      await new Promise(res => server.close(res));
    }
  });

  test('paths that leave the upstream are refused', async () => {
    const c = cache();
    expect(c.fileOf('../../etc/passwd')).toBeUndefined();
    expect(await c.get('dists/../../x')).toBe('missing');
  });
});
