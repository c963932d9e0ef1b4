import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { freePort, launchNginx } from '../support/nginx';
import { runCommand, RunResult } from '../support/run-build';

export { freePort };

/** What a test changes in a synthesized nginx.conf to run it on this machine. */
export interface LocalRewrite {
  /** `127.0.0.1:<port>` */
  readonly listen: string;
  /** The tree to serve instead of /srv/mirror. */
  readonly root: string;
  /** Replaces /tmp (pid, temp paths); access logs go to `<runtimeDir>/access.log`. */
  readonly runtimeDir: string;
}

/**
 * The synthesized config with ONLY the listen address, the root and the runtime paths (/tmp,
 * /dev/stdout) replaced. Throws when one of them is not found exactly where expected, so the
 * test notices when the config's shape changes.
 */
export function rewriteForLocalRun(config: string, rw: LocalRewrite): string {
  const replaceOnce = (text: string, from: RegExp, to: string, what: string) => {
    const matches = text.match(new RegExp(from.source, 'gm'));
    if (!matches || matches.length !== 1) throw new Error(`expected one ${what} in the nginx config, found ${matches?.length ?? 0}`);
    return text.replace(new RegExp(from.source, 'm'), to);
  };
  let text = replaceOnce(config, /^(\s*)listen 8080 default_server;/, `$1listen ${rw.listen} default_server;`, 'listen 8080');
  text = text.replace(/^\s*listen \[::\]:8080 default_server;\n/m, '');
  // pid and the five temp paths: all six must be below /tmp.
  const tmpPaths = text.match(/(^|\s)\/tmp\//g) ?? [];
  if (tmpPaths.length !== 6) throw new Error(`expected pid and 5 temp paths under /tmp, found ${tmpPaths.length} /tmp paths`);
  text = text.replace(/(^|\s)\/tmp\//g, `$1${rw.runtimeDir}/`);
  text = text.replace(/\/dev\/stdout/g, path.join(rw.runtimeDir, 'access.log'));
  text = replaceOnce(text, /^(\s*)root \/srv\/mirror;/, `$1root ${rw.root};`, 'root /srv/mirror');
  return text;
}

/** uid/gid of nginx in nginx-unprivileged; used when the tests run as root. */
const NGINX_UID = 101;

export interface RunningNginx {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** The rewritten config file. */
  readonly configFile: string;
  readonly accessLog: string;
  /** stderr so far (error log). */
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * `nginx -t` on the rewritten config (as the user nginx will run as).
 */
export async function nginxConfigTest(configFile: string): Promise<RunResult> {
  return runCommand(...asNginxUser(['nginx', '-e', 'stderr', '-t', '-c', configFile]));
}

/**
 * Runs Debian's nginx with the synthesized config (rewritten for this machine) on 127.0.0.1 and
 * a free port, `daemon off`, spawned asynchronously. As root it runs as uid/gid 101 like the
 * serving container, so the tree and the runtime dir must be readable/writable by that user.
 * It counts as started once `readyPath` answers 200.
 */
export async function startNginx(config: string, root: string, readyPath: string = '/healthz'): Promise<RunningNginx> {
  const nginx = await launchNginx({
    readyPath,
    isReady: (status) => status === 200,
    processGroup: true,
    prepare: async (port) => {
      const runtimeDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mm-nginx-run-'));
      await fs.promises.chmod(runtimeDir, 0o777);
      const configFile = path.join(runtimeDir, 'nginx.conf');
      try {
        await fs.promises.writeFile(configFile, rewriteForLocalRun(config, { listen: `127.0.0.1:${port}`, root, runtimeDir }), { mode: 0o644 });
        const check = await nginxConfigTest(configFile);
        if (check.exitCode !== 0) throw new Error(`nginx -t failed:\n${check.stderr}`);
      } catch (e) {
        await fs.promises.rm(runtimeDir, { recursive: true, force: true });
        throw e;
      }
      const [cmd, args] = asNginxUser(['nginx', '-e', 'stderr', '-c', configFile, '-g', 'daemon off;']);
      return { argv: [cmd, ...args], runtimeDir };
    },
  });
  return {
    url: nginx.url,
    port: nginx.port,
    configFile: path.join(nginx.runtimeDir, 'nginx.conf'),
    accessLog: path.join(nginx.runtimeDir, 'access.log'),
    stderr: nginx.stderr,
    stop: nginx.stop,
  };
}

function asNginxUser(argv: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [argv[0], argv.slice(1)];
  return ['setpriv', [`--reuid=${NGINX_UID}`, `--regid=${NGINX_UID}`, '--clear-groups', ...argv]];
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * One raw HTTP request; the path is sent exactly as given (no normalization, unlike fetch), so
 * traversal attempts really reach nginx.
 */
export async function request(
  baseUrl: string, method: string, rawPath: string, body?: string, headers: http.OutgoingHttpHeaders = {},
): Promise<HttpResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const allHeaders = { ...headers, ...(body ? { 'content-length': Buffer.byteLength(body) } : {}) };
    const req = http.request({ host: hostname, port, method, path: rawPath, agent: false, headers: allHeaders }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${rawPath} timed out`)));
    req.end(body);
  });
}
