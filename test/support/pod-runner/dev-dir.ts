import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_PATH } from './host';
import { mkdirMode } from './modes';

const DEVICE_NODES: Array<[string, number, number]> = [['null', 1, 3], ['zero', 1, 5], ['full', 1, 7], ['random', 1, 8], ['urandom', 1, 9], ['tty', 5, 0]];
const DEVICE_LINKS: Array<[string, string]> = [['fd', '/proc/self/fd'], ['stdin', '/proc/self/fd/0'], ['stdout', '/proc/self/fd/1'], ['stderr', '/proc/self/fd/2'], ['core', '/proc/kcore']];

/**
 * A container's own /dev, as runc makes it: real device nodes (not bind mounts of the host's, so that
 * e.g. a tool that replaces /dev/null by renaming a file onto it behaves as in a container and cannot
 * touch the host's), standard symlinks, /dev/shm (a tmpfs, added by sandboxArgs). No /dev/pts.
 * Returns undefined when device nodes do not work there (nodev file system): bwrap's `--dev` is used then.
 */
export async function makeDevDir(dir: string): Promise<string | undefined> {
  fs.mkdirSync(dir, { mode: 0o755 });
  fs.chmodSync(dir, 0o755);
  const script = DEVICE_NODES.map(([n, major, minor]) => `mknod -m 666 ${n} c ${major} ${minor}`).join(' && ');
  const code = await new Promise<number | null>(res => {
    const c = spawn('sh', ['-c', script], { cwd: dir, stdio: 'ignore', env: { PATH: DEFAULT_PATH } });
    c.on('error', () => res(1));
    c.on('close', res);
  });
  try {
    if (code !== 0) throw new Error('mknod failed');
    fs.writeFileSync(path.join(dir, 'null'), 'x'); // EACCES on a nodev file system
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  for (const [name, target] of DEVICE_LINKS) fs.symlinkSync(target, path.join(dir, name));
  mkdirMode(path.join(dir, 'shm'), 0o1777);
  return dir;
}
