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

/** A free TCP port on 127.0.0.1 (another process may take it first: callers retry). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** The status of a GET to `url`, undefined when nothing answers within a second. */
async function httpStatus(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
    req.setTimeout(1000, () => {
      req.destroy();
      resolve(undefined);
    });
  });
}

/** One attempt's files, prepared for a given port. */
export interface PreparedNginx {
  /** The nginx command line (argv[0] is the program). */
  readonly argv: string[];
  /** Holds the config and runtime files; removed when nginx stops or fails to start. */
  readonly runtimeDir: string;
}

export interface LaunchNginxOptions {
  /** Path probed until `isReady` accepts its status. */
  readonly readyPath: string;
  /**
   * Run nginx in its own process group and SIGKILL the whole group (a SIGKILL to the master alone
   * would leave the workers running).
   * @default false
   */
  readonly processGroup?: boolean;
  /**
   * Creates the runtime dir and config for `port`. When it throws it must clean up after itself;
   * the error ends the launch (no retry).
   */
  prepare(port: number): Promise<PreparedNginx>;
  /** Whether the status of `readyPath` means nginx is up. */
  isReady(status: number | undefined): boolean;
}

export interface LaunchedNginx extends NginxHandle {
  readonly port: number;
  readonly runtimeDir: string;
  /** stderr so far (error log). */
  stderr(): string;
}

/**
 * Starts nginx (`daemon off`, spawned asynchronously) on a free port and waits up to 10 s until it
 * is ready; retries with another port up to 5 times (port races). `stop()` shuts it down gracefully
 * (SIGQUIT, SIGKILL after 5 s) and removes the runtime dir.
 */
export async function launchNginx(options: LaunchNginxOptions): Promise<LaunchedNginx> {
  let lastError = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const { argv, runtimeDir } = await options.prepare(port);
    const child: ChildProcess = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], detached: options.processGroup ?? false });
    const kill = () => {
      if (!options.processGroup) {
        child.kill('SIGKILL');
        return;
      }
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let alive = true;
    void exited.then(() => (alive = false));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 10_000;
    while (alive && Date.now() < deadline && !options.isReady(await httpStatus(`${url}${options.readyPath}`))) {
      await new Promise((r) => setTimeout(r, 50));
    }
    if (alive && Date.now() < deadline) {
      return {
        url,
        port,
        runtimeDir,
        stderr: () => stderr,
        stop: async () => {
          if (alive) {
            // SIGQUIT: graceful shutdown, the serving image's STOPSIGNAL.
            child.kill('SIGQUIT');
            const timer = setTimeout(kill, 5000);
            await exited;
            clearTimeout(timer);
          }
          await fs.promises.rm(runtimeDir, { recursive: true, force: true });
        },
      };
    }
    if (alive) kill();
    await exited;
    await fs.promises.rm(runtimeDir, { recursive: true, force: true });
    lastError = stderr;
  }
  throw new Error(`nginx did not start:\n${lastError}`);
}

/**
 * Serves `root` with Debian's nginx on 127.0.0.1 (random port), a minimal test config: pid, temp
 * paths and logs in a temp dir, `daemon off`, spawned asynchronously. Not the production config.
 */
export async function startNginx(root: string): Promise<NginxHandle> {
  const nginx = await launchNginx({
    readyPath: '/',
    isReady: (status) => (status ?? 500) < 500,
    prepare: async (port) => {
      const prefix = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mm-nginx-'));
      const conf = path.join(prefix, 'nginx.conf');
      const isRoot = process.getuid?.() === 0;
      try {
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
      } catch (e) {
        await fs.promises.rm(prefix, { recursive: true, force: true });
        throw e;
      }
      return { argv: ['nginx', '-e', 'stderr', '-p', prefix, '-c', conf], runtimeDir: prefix };
    },
  });
  return { url: nginx.url, stop: nginx.stop };
}
