import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCommand, RunResult } from './run-build';

const SMOKE_SCRIPT = path.join(__dirname, '..', '..', 'assets', 'smoke-test.sh');
const NOBODY = 65534;

/** The files a client mounts from the client ConfigMap: `.sources` and apt.conf.d fragments. */
export function isClientFile(key: string): boolean {
  return key.endsWith('.sources') || key.endsWith('.conf');
}

/** Writes ConfigMap data as files into a fresh world-readable directory. */
export async function configMapDir(data: Record<string, string>, only?: (key: string) => boolean): Promise<string> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mm-cm-'));
  await fs.promises.chmod(dir, 0o755);
  for (const [key, value] of Object.entries(data)) {
    if (only && !only(key)) continue;
    await fs.promises.writeFile(path.join(dir, key), value, { mode: 0o444 });
  }
  return dir;
}

/**
 * Runs assets/smoke-test.sh (as `nobody` when the tests run as root) with the synthesized client
 * ConfigMap's client files and the smoke-test ConfigMap, the Service URL replaced by `serviceUrl`.
 */
export async function runSmokeScript(opts: {
  clientData: Record<string, string>;
  smokeData: Record<string, string>;
  serviceUrl: string;
  env?: Record<string, string>;
}): Promise<RunResult> {
  const clientDir = await configMapDir(opts.clientData, isClientFile);
  const smokeDir = await configMapDir({ ...opts.smokeData, 'service-url': `${opts.serviceUrl}\n` });
  const tmp = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mm-smoke-tmp-'));
  await fs.promises.chmod(tmp, 0o1777);
  try {
    const asRoot = process.getuid?.() === 0;
    const argv = ['bash', SMOKE_SCRIPT];
    return await runCommand(asRoot ? 'setpriv' : argv[0], asRoot ? [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...argv] : argv.slice(1), {
      env: {
        PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
        TMPDIR: tmp,
        LC_ALL: 'C',
        MINI_MIRROR_CLIENT_DIR: clientDir,
        MINI_MIRROR_SMOKE_DIR: smokeDir,
        MINI_MIRROR_SMOKE_POLL_SECONDS: '1',
        MINI_MIRROR_SMOKE_ATTEMPTS: '2',
        ...opts.env,
      },
      timeoutMs: 60_000,
    });
  } finally {
    for (const dir of [clientDir, smokeDir, tmp]) await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
