import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startFileServer } from './archive-server';
import { runCommand } from './run-build';

describe('startFileServer', () => {
  let dir: string;
  const body = Buffer.alloc(64 * 1024, 'x');

  beforeAll(async () => {
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mm-files-'));
    await fs.promises.mkdir(path.join(dir, 'repo'));
    await fs.promises.writeFile(path.join(dir, 'repo', 'big.bin'), body);
    await fs.promises.writeFile(path.join(dir, 'repo', 'small.txt'), 'hello\n');
  });

  afterAll(async () => {
    await fs.promises.rm(dir, { recursive: true, force: true });
  });

  const curl = (args: string[]) => runCommand('curl', ['-sS', '--noproxy', '*', ...args], { timeoutMs: 30_000 });

  test('a stalled path sends the true content-length and half the body, then nothing; curl gives up', async () => {
    const server = await startFileServer(dir, { stall: { path: /big\.bin$/ } });
    try {
      const start = Date.now();
      const headers = path.join(dir, 'headers');
      const r = await curl(['--speed-time', '3', '--speed-limit', '1', '-D', headers, '-o', path.join(dir, 'out'), `${server.url}/repo/big.bin`]);
      const elapsed = Date.now() - start;
      expect(r.exitCode).toBe(28); // operation too slow: curl averages over ~5 s, so this takes ~8 s
      expect(elapsed).toBeGreaterThanOrEqual(2500);
      expect(elapsed).toBeLessThan(15_000);
      expect(await fs.promises.readFile(headers, 'utf8')).toMatch(/^content-length: 65536\r?$/im);
      expect((await fs.promises.stat(path.join(dir, 'out'))).size).toBe(32 * 1024);
      // Other paths are served normally meanwhile.
      const ok = await curl([`${server.url}/repo/small.txt`]);
      expect(ok.stdout).toBe('hello\n');
      expect(server.stalled).toEqual(['/repo/big.bin']);
    } finally {
      await server.stop();
    }
  });

  test('firstRequests: only the first N requests of a path stall, so a retry succeeds', async () => {
    const server = await startFileServer(dir, { stall: { path: /big\.bin$/, firstRequests: 1 } });
    try {
      const out = path.join(dir, 'out2');
      // --max-time rather than --speed-time: curl's speed window remembers the first half for ~5 s.
      const r = await curl(['--max-time', '2', '--retry', '2', '--retry-delay', '0',
        '-o', out, `${server.url}/repo/big.bin`]);
      expect(r.exitCode).toBe(0);
      expect(await fs.promises.readFile(out)).toEqual(body);
      expect(server.requests).toEqual(['/repo/big.bin', '/repo/big.bin']);
      expect(server.stalled).toEqual(['/repo/big.bin']);
    } finally {
      await server.stop();
    }
  });

  test('stop() closes stalled connections; hidden paths, in-memory files and failFirst', async () => {
    const server = await startFileServer(dir, {
      stall: { path: /big/ }, hide: /small/, failFirst: /mem/, files: { '/mem/key.asc': 'KEY\n' },
    });
    const pending = curl([`${server.url}/repo/big.bin`, '-o', '/dev/null']);
    await new Promise((r) => setTimeout(r, 300));
    await server.stop();
    expect((await pending).exitCode).not.toBe(0);

    const again = await startFileServer(dir, { hide: /small/, failFirst: /mem/, files: { '/mem/key.asc': 'KEY\n' } });
    try {
      expect((await curl(['-o', '/dev/null', '-w', '%{http_code}', `${again.url}/repo/small.txt`])).stdout).toBe('404');
      expect((await curl(['-o', '/dev/null', '-w', '%{http_code}', `${again.url}/mem/key.asc`])).stdout).toBe('500');
      expect((await curl([`${again.url}/mem/key.asc`])).stdout).toBe('KEY\n');
      expect((await curl(['-o', '/dev/null', '-w', '%{http_code}', `${again.url}/../etc/passwd`, '--path-as-is'])).stdout).toMatch(/^40[34]$/);
    } finally {
      await again.stop();
    }
  });
});
