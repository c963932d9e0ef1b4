import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export interface NginxHandle {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (may race with other processes: callers retry). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 500);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(1000, () => {
      req.destroy();
      resolve(false);
    });
  });
}

/**
 * Serves `root` with Debian's nginx on 127.0.0.1 (random port), a minimal test config: pid, temp
 * paths and logs in a temp dir, `daemon off`, spawned asynchronously. Not the production config.
 */
export async function startNginx(root: string): Promise<NginxHandle> {
  let lastError = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const prefix = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mm-nginx-'));
    const conf = path.join(prefix, 'nginx.conf');
    const isRoot = process.getuid?.() === 0;
    await fs.promises.writeFile(conf, `
${isRoot ? 'user root;' : ''}
daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log stderr warn;
events { worker_connections 128; }
http {
  access_log off;
  default_type application/octet-stream;
  sendfile on;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    autoindex on;
  }
}
`);
    const child: ChildProcess = spawn('nginx', ['-e', 'stderr', '-p', prefix, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let alive = true;
    void exited.then(() => (alive = false));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 10_000;
    while (alive && Date.now() < deadline && !(await httpOk(url + '/'))) {
      await new Promise((r) => setTimeout(r, 50));
    }
    if (alive && Date.now() < deadline) {
      return {
        url,
        stop: async () => {
          if (alive) {
            child.kill('SIGQUIT');
            const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
            await exited;
            clearTimeout(timer);
          }
          await fs.promises.rm(prefix, { recursive: true, force: true });
        },
      };
    }
    if (alive) child.kill('SIGKILL');
    await exited;
    await fs.promises.rm(prefix, { recursive: true, force: true });
    lastError = stderr;
  }
  throw new Error(`nginx did not start:\n${lastError}`);
}
