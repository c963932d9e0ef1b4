// skopeo on the host, always with an argument array (never a shell string) and a time limit, so
// a registry that does not answer fails the command in seconds instead of hanging it.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readAsset } from '../util/assets';

/** The image config label that records which build an image is (bake-image-oci.sh sets it). */
export const IDENTITY_LABEL = 'mini-mirror.build-identity';

export interface SkopeoResult {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs skopeo with the package's policy (accept any source: the image is checked by its build
 * identity and digest, not by a signature) and `timeoutSeconds` as the limit.
 */
export function skopeo(args: string[], timeoutSeconds = 60): SkopeoResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mini-mirror-skopeo-'));
  try {
    const policy = path.join(dir, 'policy.json');
    fs.writeFileSync(policy, readAsset('skopeo-policy.json'));
    const r = spawnSync('skopeo', ['--policy', policy, ...args], { encoding: 'utf8', env: process.env, timeout: timeoutSeconds * 1000, maxBuffer: 64 * 1024 * 1024 });
    if (r.error) return { ok: false, stdout: '', stderr: (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? `no answer within ${timeoutSeconds}s` : r.error.message };
    return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr.trim() };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** skopeo's last error line, without its `time=... level=fatal msg=` prefix. */
export function skopeoError(stderr: string): string {
  const line = stderr.split('\n').filter(l => l.trim()).pop() ?? 'no message';
  const msg = /msg="((?:[^"\\]|\\.)*)"/.exec(line);
  return msg ? msg[1].replace(/\\"/g, '"') : line;
}

/** Whether skopeo's error says the image or tag does not exist (rather than: the registry cannot be asked). */
export function notFound(stderr: string): boolean {
  return /manifest unknown|name unknown|not found/i.test(stderr);
}

/** A registry image reference as a skopeo source: its transport added when it has none. */
export function skopeoRef(ref: string): string {
  return /^(docker|oci|oci-archive|docker-archive|dir):/.test(ref) ? ref : `docker://${ref}`;
}
