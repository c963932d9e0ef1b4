import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createSecretDir, describeSecretDir, destroySecretDir } from '../../src/cli/secret-dir';

const saved = process.env.XDG_RUNTIME_DIR;
afterEach(() => {
  if (saved === undefined) delete process.env.XDG_RUNTIME_DIR;
  else process.env.XDG_RUNTIME_DIR = saved;
});

const memory = fs.statfsSync('/dev/shm').type === 0x01021994;

(memory ? test : test.skip)('a $XDG_RUNTIME_DIR on disk is passed over for /dev/shm; the directory is private and goes entirely', () => {
  const disk = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-xdg-'));
  process.env.XDG_RUNTIME_DIR = disk;
  const secrets = createSecretDir();
  try {
    expect(path.dirname(secrets.dir)).toBe('/dev/shm');
    expect(secrets.inMemory).toBe(true);
    expect(fs.statSync(secrets.dir).mode.toString(8).slice(-3)).toBe('700');
    expect(fs.readdirSync(secrets.dir).sort()).toEqual(['gnupg', 'signing']);
    expect(describeSecretDir(secrets)).toBe(`mini-mirror build: signing key and its GNUPGHOME in ${secrets.dir} (memory, removed when the build ends)`);
    fs.mkdirSync(path.join(secrets.gnupg, 'home'), { mode: 0o700 });
    fs.writeFileSync(path.join(secrets.signing, 'signing-key.asc'), 'key', { mode: 0o400 });
  } finally {
    destroySecretDir(secrets);
    fs.rmSync(disk, { recursive: true, force: true });
  }
  expect(fs.existsSync(secrets.dir)).toBe(false);
});

(memory ? test : test.skip)('a memory-backed $XDG_RUNTIME_DIR comes first', () => {
  const runtime = fs.mkdtempSync(path.join('/dev/shm', 'mm-xdg-'));
  process.env.XDG_RUNTIME_DIR = runtime;
  const secrets = createSecretDir();
  try {
    expect(path.dirname(secrets.dir)).toBe(runtime);
  } finally {
    destroySecretDir(secrets);
    fs.rmSync(runtime, { recursive: true, force: true });
  }
});
