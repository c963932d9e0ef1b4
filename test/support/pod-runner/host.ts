import * as fs from 'fs';
import * as path from 'path';
import { fail } from './errors';

/** the PATH a container gets when neither the image nor the container sets one */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface PasswdEntry { name: string; uid: number; gid: number; home: string }

/** the fields of the non-comment lines of a host file such as /etc/passwd; [] when it cannot be read */
function colonFile(file: string): string[][] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(l => l && !l.startsWith('#')).map(l => l.split(':'));
  } catch {
    return [];
  }
}

export function hostPasswd(): PasswdEntry[] {
  return colonFile('/etc/passwd').map(f => ({ name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] }));
}

export function hostGroupsOf(user: string): number[] {
  return colonFile('/etc/group').filter(f => (f[3] ?? '').split(',').includes(user)).map(f => Number(f[2]));
}

function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH || DEFAULT_PATH).split(':')) {
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return undefined;
}

let setprivPath: string | undefined;

/** checks the host can run pods; returns the absolute path of setpriv (the container's PATH may not contain it) */
export function preflight(): string {
  if (setprivPath) return setprivPath;
  if (process.platform !== 'linux') fail('pod-runner needs Linux (bubblewrap)');
  if (process.getuid?.() !== 0) fail('pod-runner must run as root (bwrap mounts, setpriv, chown for fsGroup)');
  if (!findExecutable('bwrap')) fail('pod-runner needs "bwrap" (bubblewrap) on PATH');
  setprivPath = findExecutable('setpriv') ?? fail('pod-runner needs "setpriv" (util-linux) on PATH');
  return setprivPath;
}
