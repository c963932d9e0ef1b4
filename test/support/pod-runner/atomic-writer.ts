import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { mkdirMode, mkdirsMode } from './modes';
import { posix } from './paths';
import { Payload } from './payload';

/** kubelet's name of a payload directory, e.g. `..2024_01_31_12_00_00.123` */
function timestampDirName(now: Date): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `..${now.getUTCFullYear()}_${pad(now.getUTCMonth() + 1)}_${pad(now.getUTCDate())}_`
    + `${pad(now.getUTCHours())}_${pad(now.getUTCMinutes())}_${pad(now.getUTCSeconds())}.${crypto.randomInt(1, 2 ** 31)}`;
}

/** pkg/volume/util/atomic_writer.go, first write */
export function writeAtomic(dir: string, payload: Payload): void {
  const ts = timestampDirName(new Date());
  const tsDir = path.join(dir, ts);
  mkdirMode(tsDir, 0o755);
  for (const [p, { data, mode }] of payload) {
    const full = path.join(tsDir, p);
    mkdirsMode(tsDir, posix.dirname(p), 0o755);
    fs.writeFileSync(full, data, { mode });
    fs.chmodSync(full, mode);
  }
  fs.symlinkSync(ts, path.join(dir, '..data'));
  for (const p of payload.keys()) {
    const top = p.split('/')[0];
    const visible = path.join(dir, top);
    let exists = true;
    try {
      fs.lstatSync(visible);
    } catch {
      exists = false;
    }
    if (!exists) fs.symlinkSync(posix.join('..data', top), visible);
  }
}
