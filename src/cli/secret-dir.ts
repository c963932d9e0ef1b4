// Where `mini-mirror build` keeps the signing key, its passphrase and the GNUPGHOME the key is
// imported into: a fresh private directory in memory, never under --out. The build's watchdog
// (build-guard.ts) removes it.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** statfs magic numbers of memory-backed filesystems: tmpfs, ramfs. */
const MEMORY_FS = new Set([0x01021994, 0x858458f6]);

export interface SecretDir {
  /** The private directory (0700). */
  readonly dir: string;
  /** The signing Secret's files, as the Job mounts them. */
  readonly signing: string;
  /** Where the runner creates the signing GNUPGHOME (MINI_MIRROR_GNUPG_DIR). */
  readonly gnupg: string;
  /** False when this host has no memory-backed place: the key is on disk while the build runs. */
  readonly inMemory: boolean;
}

/** A fresh 0700 directory on $XDG_RUNTIME_DIR or /dev/shm when memory-backed, else in the temp directory. */
export function createSecretDir(): SecretDir {
  const candidates = [process.env.XDG_RUNTIME_DIR, '/dev/shm'].filter((d): d is string => !!d && isMemoryBacked(d));
  let dir: string | undefined;
  for (const parent of candidates) {
    try {
      dir = fs.mkdtempSync(path.join(parent, 'mini-mirror-build-'));
      break;
    } catch {
      // not writable for us: the next one
    }
  }
  const inMemory = dir !== undefined;
  dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'mini-mirror-build-'));
  fs.chmodSync(dir, 0o700);
  const signing = path.join(dir, 'signing');
  const gnupg = path.join(dir, 'gnupg');
  fs.mkdirSync(signing, { mode: 0o700 });
  fs.mkdirSync(gnupg, { mode: 0o700 });
  return { dir, signing, gnupg, inMemory };
}

/** The line that tells the user where the key material is while the build runs. */
export function describeSecretDir(secrets: SecretDir): string {
  return secrets.inMemory
    ? `mini-mirror build: signing key and its GNUPGHOME in ${secrets.dir} (memory, removed when the build ends)`
    : `mini-mirror build: warning: no memory-backed directory ($XDG_RUNTIME_DIR or /dev/shm as tmpfs): the signing key is on disk in ${secrets.dir} until the build ends`;
}

/**
 * The fallback when the watchdog could not clean up: the gpg daemons of the GNUPGHOMEs in the
 * directory are told to go (before their homes go), then the directory is removed.
 */
export function destroySecretDir(secrets: SecretDir): void {
  if (!fs.existsSync(secrets.dir)) return;
  for (const home of fs.readdirSync(secrets.gnupg, { withFileTypes: true }).filter(e => e.isDirectory())) {
    spawnSync('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: path.join(secrets.gnupg, home.name) }, stdio: 'ignore' });
  }
  fs.rmSync(secrets.dir, { recursive: true, force: true });
}

function isMemoryBacked(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory() && MEMORY_FS.has(fs.statfsSync(dir).type);
  } catch {
    return false;
  }
}
