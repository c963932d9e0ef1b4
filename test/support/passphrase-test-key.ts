import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateSigningKey, GeneratedKey } from './signing-key';

/** The passphrase of `cachedPassphraseTestKey` (a test key: it protects nothing). */
export const TEST_KEY_PASSPHRASE = 'mini mirror test passphrase';

const CACHE_DIR = path.join(os.tmpdir(), 'cdk8s-mini-mirror-test-keys');
let pending: Promise<GeneratedKey> | undefined;

/**
 * A passphrase-protected signing key (Ed25519, protected by TEST_KEY_PASSPHRASE), as operators
 * use them; cached like `cachedTestKey` so the benchmark's runs share one.
 */
export async function cachedPassphraseTestKey(): Promise<GeneratedKey> {
  pending ??= loadOrGenerate();
  return pending;
}

async function loadOrGenerate(): Promise<GeneratedKey> {
  const file = path.join(CACHE_DIR, 'ed25519-passphrase-v1.json');
  try {
    return JSON.parse(await fs.promises.readFile(file, 'utf8')) as GeneratedKey;
  } catch {
    // Not cached yet: generate below.
  }
  const key = await generateSigningKey({ userId: 'Mini Mirror Test Key <test@mirror.example>', passphrase: TEST_KEY_PASSPHRASE });
  await fs.promises.mkdir(CACHE_DIR, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.promises.writeFile(tmp, JSON.stringify(key), { mode: 0o600 });
  await fs.promises.rename(tmp, file);
  return key;
}
