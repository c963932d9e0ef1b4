import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateSigningKey, GeneratedKey } from './signing-key';

/**
 * A fixed Ed25519 public key (no expiry) for snapshot tests: the synthesized YAML embeds the key,
 * so it must be the same on every machine. Only the public half exists anywhere.
 */
export const SNAPSHOT_PUBLIC_KEY = `-----BEGIN PGP PUBLIC KEY BLOCK-----

mDMEawda5hYJKwYBBAHaRw8BAQdA2aBCUJ/gs3SIzy0NBrWJr3TS9p+lqBfw6ZbP
3ZRmYiG0M01pbmkgTWlycm9yIFNuYXBzaG90IFRlc3QgPHNuYXBzaG90QG1pcnJv
ci5leGFtcGxlPoiQBBMWCAA4FiEEsV6VJlhMd4cRdsuWt0UdIBjk8gIFAmsHWuYC
GwMFCwkIBwIGFQoJCAsCBBYCAwECHgECF4AACgkQt0UdIBjk8gKhPgD5AWR202+i
TVzRDAkAQ/IXQBMRNc0ocsV7ROICnzBdcUIBAIz95l6p8nyjfmR+ZRVQxukcgqdG
6bAAjRgMKHAAozsC
=RiJa
-----END PGP PUBLIC KEY BLOCK-----
`;

/** Fingerprint of SNAPSHOT_PUBLIC_KEY. */
export const SNAPSHOT_FINGERPRINT = 'B15E9526584C77871176CB96B7451D2018E4F202';

const CACHE_DIR = path.join(os.tmpdir(), 'cdk8s-mini-mirror-test-keys');
let pending: Promise<GeneratedKey> | undefined;

/**
 * A signing key pair generated with gpg (Ed25519, no passphrase), cached under os.tmpdir() so
 * the test files and processes of a run share one key instead of generating many.
 */
export async function cachedTestKey(): Promise<GeneratedKey> {
  pending ??= loadOrGenerate();
  return pending;
}

async function loadOrGenerate(): Promise<GeneratedKey> {
  const file = path.join(CACHE_DIR, 'ed25519-v1.json');
  try {
    return JSON.parse(await fs.promises.readFile(file, 'utf8')) as GeneratedKey;
  } catch {
    // Not cached yet (or half-written by a crashed run): generate below.
  }
  const key = await generateSigningKey({ userId: 'Mini Mirror Test Key <test@mirror.example>' });
  await fs.promises.mkdir(CACHE_DIR, { recursive: true, mode: 0o700 });
  // Write then rename: a concurrent reader never sees a partial file.
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.promises.writeFile(tmp, JSON.stringify(key), { mode: 0o600 });
  await fs.promises.rename(tmp, file);
  return key;
}
