/**
 * Test support: a real OCI registry (Debian's `docker-registry` package) on 127.0.0.1 with a
 * temporary storage directory, over plain HTTP or over TLS with a certificate from a private CA
 * made with openssl, and a tiny base image made locally with umoci and pushed with skopeo (the
 * tests have no internet, so no base image can be pulled).
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort } from './nginx';
import { runChecked, runCommand } from './run-build';

const POLICY = '{"default":[{"type":"insecureAcceptAnything"}]}\n';

export interface RegistryHandle {
  /** `127.0.0.1:<port>` */
  readonly host: string;
  /** With `tls`: the PEM certificate of the private CA that signed the registry's certificate. */
  readonly caPem?: string;
  /** skopeo with this registry's policy; never throws (give `--tls-verify=false` and the like yourself) */
  skopeo(...args: string[]): ReturnType<typeof runCommand>;
  /** `skopeo inspect` of `ref` (without `docker://`): digest and labels */
  inspect(ref: string): Promise<{ digest: string; labels: Record<string, string> }>;
  stop(): Promise<void>;
}

/** Whether docker-registry, skopeo and umoci are installed (scripts/install-test-tools.sh). */
export function registryToolsMissing(): string[] {
  return ['/usr/bin/docker-registry', '/usr/bin/skopeo', '/usr/bin/umoci'].filter(p => !fs.existsSync(p));
}

/** Options of {@link startRegistry}. */
export interface RegistryOptions {
  /** Serve HTTPS with a certificate for 127.0.0.1 signed by a fresh private CA (`caPem`); default plain HTTP. */
  readonly tls?: boolean;
}

/**
 * A private CA and a server certificate for 127.0.0.1 signed by it (openssl, P-256, valid one day),
 * written to `dir`: ca.crt, server.crt, server.key.
 */
async function makeCertificates(dir: string): Promise<void> {
  const at = (f: string) => path.join(dir, f);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await runChecked('openssl', ['req', '-x509', ...ec, '-keyout', at('ca.key'), '-out', at('ca.crt'), '-days', '1',
    '-subj', '/CN=mini-mirror test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await runChecked('openssl', ['req', ...ec, '-keyout', at('server.key'), '-out', at('server.csr'), '-subj', '/CN=127.0.0.1']);
  await fs.promises.writeFile(at('server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  await runChecked('openssl', ['x509', '-req', '-in', at('server.csr'), '-CA', at('ca.crt'), '-CAkey', at('ca.key'), '-CAcreateserial',
    '-out', at('server.crt'), '-days', '1', '-extfile', at('server.ext')]);
}

export async function startRegistry(options: RegistryOptions = {}): Promise<RegistryHandle> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mm-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  if (options.tls) await makeCertificates(dir);
  const config = path.join(dir, 'config.yml');
  await fs.promises.writeFile(config, [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${path.join(dir, 'storage')}`,
    '  delete:',
    '    enabled: false',
    'http:',
    `  addr: ${host}`,
    ...(options.tls ? ['  tls:', `    certificate: ${path.join(dir, 'server.crt')}`, `    key: ${path.join(dir, 'server.key')}`] : []),
    '',
  ].join('\n'));
  const policy = path.join(dir, 'policy.json');
  await fs.promises.writeFile(policy, POLICY);
  const child: ChildProcess = spawn('/usr/bin/docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString('utf8')));
  const skopeo = (...args: string[]) => runCommand('skopeo', ['--policy', policy, ...args]);
  for (let i = 0; ; i++) {
    const r = await runCommand('curl', options.tls
      ? ['-fsS', '--cacert', path.join(dir, 'ca.crt'), `https://${host}/v2/`]
      : ['-fsS', `http://${host}/v2/`]);
    if (r.exitCode === 0) break;
    if (i > 50 || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not start on ${host}: ${log}`);
    }
    await new Promise(res => setTimeout(res, 100));
  }
  return {
    host,
    caPem: options.tls ? await fs.promises.readFile(path.join(dir, 'ca.crt'), 'utf8') : undefined,
    skopeo,
    async inspect(ref: string) {
      const r = await skopeo('inspect', '--tls-verify=false', `docker://${ref}`);
      if (r.exitCode !== 0) throw new Error(`skopeo inspect ${ref}: ${r.stderr}`);
      const json = JSON.parse(r.stdout);
      return { digest: json.Digest, labels: json.Labels ?? {} };
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise(res => (child.exitCode !== null ? res(undefined) : child.once('exit', res)));
      await fs.promises.rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Makes a tiny base image locally (umoci: an empty image plus one layer with /etc/base-image)
 * and pushes it to `<registry>/<name>`; returns the reference.
 */
export async function pushBaseImage(registry: RegistryHandle, name = 'base:1'): Promise<string> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mm-base-'));
  try {
    const layout = path.join(dir, 'oci');
    await runChecked('umoci', ['init', '--layout', layout]);
    await runChecked('umoci', ['new', '--image', `${layout}:base`]);
    const file = path.join(dir, 'base-image');
    await fs.promises.writeFile(file, 'a tiny base image for tests\n');
    await runChecked('umoci', ['insert', '--rootless', '--image', `${layout}:base`, file, '/etc/base-image']);
    const ref = `${registry.host}/${name}`;
    const r = await registry.skopeo('copy', '--dest-tls-verify=false', `oci:${layout}:base`, `docker://${ref}`);
    if (r.exitCode !== 0) throw new Error(`pushing the base image: ${r.stderr}`);
    return ref;
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
