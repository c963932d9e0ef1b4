/**
 * bench:serve — the synthesized nginx config vs the seed's config, under wrk, on the same tree.
 *
 *   npx ts-node --project test/tsconfig.json --transpile-only bench/serve.ts [seconds] [connections]
 *
 * The seed served the tree with the stock nginx.conf of nginx-unprivileged plus a conf.d server
 * block holding nothing but `listen`, `root` and `autoindex on`. Both configs run with Debian's
 * nginx on 127.0.0.1 (as uid 101 when run as root), both log every request to a file, and wrk
 * requests the same fixed list of index files and packages. Bounded: a warm-up and one timed run
 * of `seconds` (default 10) per config; loopback only. Prints requests/s, p99 latency, errors
 * and the ratio.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthMirror } from '../test/serving/fixtures';
import { request, RunningNginx, startNginx } from '../test/serving/nginx-process';
import { publishedTree } from '../test/serving/published-tree';

const SECONDS = Math.min(Math.max(Number(process.argv[2] ?? 10), 1), 60);
const CONNECTIONS = Math.min(Math.max(Number(process.argv[3] ?? 16), 1), 256);
const THREADS = 2;

/** What apt fetches: signed indices, compressed Packages, and packages of several sizes. */
const PATHS = [
  '/debian/dists/bookworm/InRelease',
  '/debian/dists/bookworm/main/binary-amd64/Packages.gz',
  '/debian/dists/bookworm/contrib/binary-amd64/Packages.gz',
  '/debian/dists/bookworm/main/binary-amd64/Packages.bz2',
  '/vendor/dists/trixie/InRelease',
  '/debian/pool/main/c/chain-a/chain-a_1.0_all.deb',
  '/debian/pool/main/m/multi/multi_3.0_all.deb',
  '/debian/pool/contrib/c/contrib-tool/contrib-tool_1.0_all.deb',
  '/vendor/pool/main/a/arch-tool/arch-tool_1.0_amd64.deb',
  '/manifest.json',
];

/**
 * The seed: nginx-unprivileged's stock /etc/nginx/nginx.conf (temp paths and pid under /tmp,
 * `main` access log, sendfile, keepalive 65, worker_processes auto) with the seed's server block.
 */
function seedConfig(): string {
  return `worker_processes  auto;
error_log  stderr notice;
pid        /tmp/nginx.pid;
events {
    worker_connections  1024;
}
http {
    proxy_temp_path /tmp/proxy_temp;
    client_body_temp_path /tmp/client_temp;
    fastcgi_temp_path /tmp/fastcgi_temp;
    uwsgi_temp_path /tmp/uwsgi_temp;
    scgi_temp_path /tmp/scgi_temp;
    include       /etc/nginx/mime.types;
    default_type  application/octet-stream;
    log_format  main  '$remote_addr - $remote_user [$time_local] "$request" '
                      '$status $body_bytes_sent "$http_referer" '
                      '"$http_user_agent" "$http_x_forwarded_for"';
    access_log  /dev/stdout  main;
    sendfile        on;
    keepalive_timeout  65;
    server {
        listen 8080 default_server;
        root /srv/mirror;
        autoindex on;
    }
}
`;
}

interface WrkResult {
  readonly requestsPerSecond: number;
  readonly p99Ms: number;
  readonly requests: number;
  readonly errors: number;
  readonly non2xx: number;
}

async function wrk(url: string, seconds: number, script: string): Promise<WrkResult> {
  const args = [`-t${THREADS}`, `-c${CONNECTIONS}`, `-d${seconds}s`, '--timeout', '5s', '--latency', '-s', script, url];
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(text);
      else reject(new Error(`wrk exited with ${code}:\n${text}`));
    });
  });
  const num = (re: RegExp) => {
    const m = re.exec(out);
    return m ? Number(m[1]) : 0;
  };
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(out);
  const p99Ms = p99 ? Number(p99[1]) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[p99[2]] : NaN;
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requestsPerSecond: num(/Requests\/sec:\s+([\d.]+)/),
    p99Ms,
    requests: num(/(\d+) requests in/),
    errors: socket ? socket.slice(1).reduce((n, v) => n + Number(v), 0) : 0,
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
  };
}

async function measure(name: string, nginx: RunningNginx, script: string): Promise<WrkResult> {
  for (const p of PATHS) {
    const res = await request(nginx.url, 'GET', p);
    if (res.status !== 200) throw new Error(`${name}: GET ${p} answered ${res.status}`);
  }
  await wrk(nginx.url, 2, script); // warm-up: page cache, open_file_cache, connections
  const result = await wrk(nginx.url, SECONDS, script);
  process.stdout.write(`${name.padEnd(22)} ${result.requestsPerSecond.toFixed(0).padStart(9)} req/s   p99 ${result.p99Ms.toFixed(2).padStart(7)} ms   `
    + `${result.requests} requests, ${result.errors} socket errors, ${result.non2xx} non-2xx\n`);
  return result;
}

async function main() {
  const tree = await publishedTree();
  const work = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mm-bench-serve-'));
  try {
    await run(tree.root, work);
  } finally {
    await fs.promises.rm(work, { recursive: true, force: true });
    await tree.cleanup();
  }
}

async function run(root: string, work: string) {
  const script = path.join(work, 'paths.lua');
  await fs.promises.writeFile(script, [
    `local paths = { ${PATHS.map((p) => `"${p}"`).join(', ')} }`,
    'local i = 0',
    'request = function()',
    '  i = (i % #paths) + 1',
    '  return wrk.format("GET", paths[i])',
    'end',
    '',
  ].join('\n'));
  const synthesized = synthMirror().manifests.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'mirror-nginx').data['nginx.conf'];
  process.stdout.write(`bench:serve — ${SECONDS}s per config, ${CONNECTIONS} connections, ${THREADS} wrk threads, ${PATHS.length} URLs, ${os.cpus().length} CPUs\n`);

  const results: Record<string, WrkResult> = {};
  for (const [name, config] of [['seed (autoindex only)', seedConfig()], ['synthesized', synthesized]] as const) {
    // The seed has no /healthz.
    const nginx = await startNginx(config, root, '/manifest.json');
    try {
      results[name] = await measure(name, nginx, script);
    } finally {
      await nginx.stop();
    }
  }
  const seed = results['seed (autoindex only)'];
  const ours = results.synthesized;
  process.stdout.write(`ratio synthesized/seed: ${(ours.requestsPerSecond / seed.requestsPerSecond).toFixed(2)}x requests/s, `
    + `${(ours.p99Ms / seed.p99Ms).toFixed(2)}x p99 latency\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
