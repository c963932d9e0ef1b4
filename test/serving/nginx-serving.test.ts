import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { objectOf, synthMirror } from './fixtures';
import { freePort, nginxConfigTest, request, rewriteForLocalRun, RunningNginx, startNginx } from './nginx-process';
import { PublishedTree, publishedTree } from './published-tree';
import { AccessLog, NginxConfig } from '../../src';

// GIVEN Debian's nginx running the synthesized nginx.conf (only listen, root and runtime paths
// rewritten) as the unprivileged user, on an aptly-published signed tree.
let tree: PublishedTree;
let nginx: RunningNginx;

function nginxConf(manifests: any[]): string {
  return objectOf(manifests, 'ConfigMap', 'mirror-nginx').data['nginx.conf'];
}

beforeAll(async () => {
  tree = await publishedTree();
  nginx = await startNginx(nginxConf(synthMirror().manifests), tree.root);
});

afterAll(async () => {
  await nginx?.stop();
  await tree?.cleanup();
});

const FILES = [
  '/debian/dists/bookworm/InRelease',
  '/debian/dists/bookworm/Release',
  '/debian/dists/bookworm/Release.gpg',
  '/debian/dists/bookworm/main/binary-amd64/Packages',
  '/debian/dists/bookworm/main/binary-amd64/Packages.gz',
  '/debian/dists/bookworm/main/binary-amd64/Packages.bz2',
  '/debian/pool/main/c/chain-a/chain-a_1.0_all.deb',
  '/vendor/dists/trixie/InRelease',
  '/manifest.json',
  '/mirror-key.asc',
];

describe('files', () => {
  test.each(FILES)('GET %s is 200 with the file', async (p) => {
    const res = await request(nginx.url, 'GET', p);
    expect(res.status).toBe(200);
    expect(res.body.equals(fs.readFileSync(tree.root + p))).toBe(true);
  });

  test.each(FILES)('HEAD %s is 200 without a body', async (p) => {
    const res = await request(nginx.url, 'HEAD', p);
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
    expect(Number(res.headers['content-length'])).toBe(fs.statSync(tree.root + p).size);
  });

  test('a missing file is 404', async () => {
    expect((await request(nginx.url, 'GET', '/debian/pool/main/n/nope/nope_1.0_all.deb')).status).toBe(404);
  });

  test.each([
    ['/debian/pool/main/c/chain-a/chain-a_1.0_all.deb', 'application/vnd.debian.binary-package'],
    ['/debian/dists/bookworm/InRelease', 'text/plain'],
    ['/debian/dists/bookworm/Release', 'text/plain'],
    ['/debian/dists/bookworm/main/binary-amd64/Packages', 'text/plain'],
    ['/debian/dists/bookworm/Release.gpg', 'application/pgp-signature'],
    ['/mirror-key.asc', 'application/pgp-keys'],
    ['/manifest.json', 'application/json'],
    ['/debian/dists/bookworm/main/binary-amd64/Packages.gz', 'application/gzip'],
    ['/debian/dists/bookworm/main/binary-amd64/Packages.bz2', 'application/x-bzip2'],
    ['/debian/dists/bookworm/Contents-amd64.gz', 'application/gzip'],
    ['/healthz', 'text/plain'],
  ])('%s is served as %s', async (p, type) => {
    const res = await request(nginx.url, 'GET', p);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type);
  });

  test('index files must be revalidated, pool files may be cached', async () => {
    expect((await request(nginx.url, 'GET', '/debian/dists/bookworm/InRelease')).headers['cache-control']).toBe('no-cache');
    expect((await request(nginx.url, 'GET', '/debian/pool/main/c/chain-a/chain-a_1.0_all.deb')).headers['cache-control']).toBe('max-age=86400');
  });

  test('index files are never "not modified": every build gives files one mtime, so a 304 could keep a client on old lists', async () => {
    const first = await request(nginx.url, 'GET', '/debian/dists/bookworm/InRelease');
    expect(first.headers.etag).toBeUndefined();
    const since = { 'if-modified-since': first.headers['last-modified'] ?? new Date().toUTCString() };
    const again = await request(nginx.url, 'GET', '/debian/dists/bookworm/InRelease', undefined, since);
    expect(again.status).toBe(200);
    expect(again.body.equals(first.body)).toBe(true);
  });

  test('pool files revalidate cheaply: a matching ETag answers 304', async () => {
    const first = await request(nginx.url, 'GET', '/debian/pool/main/c/chain-a/chain-a_1.0_all.deb');
    const status = (await request(nginx.url, 'GET', '/debian/pool/main/c/chain-a/chain-a_1.0_all.deb', undefined, { 'if-none-match': first.headers.etag })).status;
    expect(status).toBe(304);
  });

  test('no version in the Server header (server_tokens off)', async () => {
    expect((await request(nginx.url, 'GET', '/manifest.json')).headers.server).toBe('nginx');
  });
});

describe('methods', () => {
  test.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])('%s is 405 with Allow: GET, HEAD', async (method) => {
    const res = await request(nginx.url, method, '/manifest.json', method === 'OPTIONS' ? undefined : '{"x":1}');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });

  test('a PUT cannot create a file', async () => {
    expect((await request(nginx.url, 'PUT', '/debian/uploaded.txt', 'data')).status).toBe(405);
    expect(fs.existsSync(`${tree.root}/debian/uploaded.txt`)).toBe(false);
  });
});

describe('no escape from the tree', () => {
  test.each([
    '/../etc/passwd',
    '/debian/../../etc/passwd',
    '/%2e%2e/etc/passwd',
    '/debian/%2e%2e/%2e%2e/etc/passwd',
    '/debian/%2E%2E/%2E%2E/%2E%2E/etc/passwd',
    '/..%2f..%2fetc/passwd',
    '//etc/passwd',
    '/debian/dists/../../../../etc/passwd',
  ])('%s is not served', async (p) => {
    const res = await request(nginx.url, 'GET', p);
    expect([400, 404]).toContain(res.status);
    expect(res.body.toString()).not.toContain('root:');
  });

  test.each([
    '/.git/config',
    '/.git/',
    '/debian/.hidden',
    '/debian/dists/.lock',
    '/%2egit/config',
    '/debian/%2Ehidden',
  ])('dotfile %s is 404', async (p) => {
    const res = await request(nginx.url, 'GET', p);
    expect(res.status).toBe(404);
    expect(res.body.toString()).not.toMatch(/secret/);
  });

  test('listings do not show dotfiles', async () => {
    const res = await request(nginx.url, 'GET', '/debian/');
    expect(res.status).toBe(200);
    expect(res.body.toString()).not.toContain('.hidden');
  });
});

describe('health and listings', () => {
  test('/healthz answers 200 "ok"', async () => {
    const res = await request(nginx.url, 'GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('ok\n');
  });

  test('directories are listed (autoindex on by default, as in the seed)', async () => {
    const res = await request(nginx.url, 'GET', '/debian/dists/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html');
    expect(res.body.toString()).toContain('bookworm/');
  });

  test('a directory without slash redirects relatively (works behind any port)', async () => {
    const res = await request(nginx.url, 'GET', '/debian');
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe('/debian/');
  });
});

describe('access log', () => {
  test('one JSON object per request; /healthz is not logged', async () => {
    await request(nginx.url, 'GET', '/healthz');
    await request(nginx.url, 'GET', '/debian/dists/bookworm/InRelease?"quoted"\\x');
    await request(nginx.url, 'POST', '/manifest.json', 'x');
    // Unbuffered: lines are written when the response is sent.
    const lines = fs.readFileSync(nginx.accessLog, 'utf8').trim().split('\n');
    const entries = lines.map((l) => JSON.parse(l));
    expect(entries.some((e) => e.uri === '/healthz')).toBe(false);
    const get = entries.find((e) => e.uri.startsWith('/debian/dists/bookworm/InRelease?'));
    expect(get).toMatchObject({ method: 'GET', status: 200, remote_addr: '127.0.0.1', protocol: 'HTTP/1.1' });
    expect(typeof get.request_time).toBe('number');
    expect(entries.find((e) => e.method === 'POST')).toMatchObject({ status: 405 });
  });

  test('nginx logs no errors while serving', () => {
    expect(nginx.stderr()).not.toMatch(/\[(emerg|alert|crit)\]/);
  });
});

describe('options', () => {
  test('autoindex off and no access log', async () => {
    const serving = { autoindex: false, accessLog: AccessLog.off() };
    const other = await startNginx(nginxConf(synthMirror({ props: { serving } }).manifests), tree.root);
    try {
      expect((await request(other.url, 'GET', '/debian/dists/')).status).toBe(403);
      expect((await request(other.url, 'GET', '/debian/dists/bookworm/InRelease')).status).toBe(200);
      expect(fs.existsSync(other.accessLog)).toBe(false);
    } finally {
      await other.stop();
    }
  });

  test('combined access log', async () => {
    const serving = { accessLog: AccessLog.combined(), workerProcesses: 1 };
    const other = await startNginx(nginxConf(synthMirror({ props: { serving } }).manifests), tree.root);
    try {
      await request(other.url, 'GET', '/manifest.json');
      expect(fs.readFileSync(other.accessLog, 'utf8')).toMatch(/^127\.0\.0\.1 - - \[.*\] "GET \/manifest\.json HTTP\/1\.1" 200 \d+ "-" "-"\n$/);
    } finally {
      await other.stop();
    }
  });
});

describe('nginx -t', () => {
  const combos: [string, NginxConfig][] = [];
  for (const autoindex of [true, false]) {
    for (const accessLog of [AccessLog.json(), AccessLog.combined(), AccessLog.off()]) {
      for (const listenIpv6 of [false, true]) {
        combos.push([`autoindex ${autoindex}, ${accessLog.format} log, ipv6 ${listenIpv6}`, new NginxConfig({ autoindex, accessLog, listenIpv6, workerProcesses: 3 })]);
      }
    }
  }

  test.each(combos)('accepts the config (%s)', async (_name, config) => {
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mm-nginx-t-'));
    try {
      await fs.promises.chmod(dir, 0o777);
      const file = path.join(dir, 'nginx.conf');
      // nginx -t binds the listen address too: a free unprivileged port.
      const listen = `127.0.0.1:${await freePort()}`;
      await fs.promises.writeFile(file, rewriteForLocalRun(config.text, { listen, root: tree.root, runtimeDir: dir }), { mode: 0o644 });
      const r = await nginxConfigTest(file);
      expect(r.stderr).toMatch(/syntax is ok\n.*test is successful/);
      expect(r.exitCode).toBe(0);
    } finally {
      await fs.promises.rm(dir, { recursive: true, force: true });
    }
  });
});
