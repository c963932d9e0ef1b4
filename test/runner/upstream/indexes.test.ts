import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UpstreamCache } from '../../../src/runner/net/fetcher';
import { ChildProcesses } from '../../../src/runner/proc';
import { loadIndex } from '../../../src/runner/upstream/indexes';

/** This file's child processes (a build has its own, from its BuildRun). */
const procs = new ChildProcesses();

describe('loadIndex', () => {
  // GIVEN a signed Release that lists SHA256 for one index and only MD5 for the one used
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-index-'));
  const packages = 'Package: app\nVersion: 1.0\nArchitecture: amd64\n';
  fs.mkdirSync(path.join(dir, 'dists/x/main/binary-amd64'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'dists/x/main/binary-amd64/Packages'), packages);
  const cache = {
    get: async () => 'ok',
    fileOf: (rel: string) => path.join(dir, rel),
    urlOf: (rel: string) => `http://upstream.example/${rel}`,
  } as unknown as UpstreamCache;
  const release = (sha256?: string) => ({
    fields: new Map(),
    components: ['main'],
    architectures: ['amd64'],
    base: 'dists/x/',
    files: new Map([['main/binary-amd64/Packages', { size: packages.length, sha256 }]]),
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('an index the signed Release lists without SHA256 is refused, as apt refuses it', async () => {
    await expect(loadIndex({ cache, release: release(undefined), path: 'main/binary-amd64/Packages', verify: true, what: 'debian/x', procs }))
      .rejects.toThrow('debian/x: the signed Release lists no SHA256 for main/binary-amd64/Packages (only weaker hashes)');
  });

  test('with its SHA256 it is read, and a wrong one is refused', async () => {
    const sha = crypto.createHash('sha256').update(packages).digest('hex');
    await expect(loadIndex({ cache, release: release(sha), path: 'main/binary-amd64/Packages', verify: true, what: 'debian/x', procs })).resolves.toBe(packages);
    await expect(loadIndex({ cache, release: release('0'.repeat(64)), path: 'main/binary-amd64/Packages', verify: true, what: 'debian/x', procs }))
      .rejects.toThrow(/does not match the SHA256 in the signed Release/);
  });
});
