import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runChecked, runCommand } from './run-build';

export interface GeneratedKey {
  /** Armored secret key (protected by `passphrase` when one was given). */
  readonly privateKey: string;
  /** Undefined for a key without passphrase. */
  readonly passphrase?: string;
  /** Armored public key. */
  readonly publicKey: string;
  /** 40 upper-case hex digits. */
  readonly fingerprint: string;
}

export interface GenerateKeyOptions {
  /** @default 'Mini Mirror Test <mirror@example.com>' */
  readonly userId?: string;
  /** @default 'ed25519' (fast); 'rsa3072' takes a few seconds */
  readonly algorithm?: 'ed25519' | 'rsa3072';
  /** @default no passphrase */
  readonly passphrase?: string;
  /**
   * Export the private key while it is expired and the public key after extending it: a Secret
   * that still holds the old copy of a renewed key.
   * @default false
   */
  readonly expiredPrivateKey?: boolean;
  /**
   * Protect the exported key with gpg's largest S2K count: its first unlock takes about a second
   * (a key an operator generated on a fast machine).
   * @default false
   */
  readonly slowUnlock?: boolean;
}

/**
 * Runs `fn` with a throwaway GNUPGHOME (short path: gpg-agent sockets must fit in 108 bytes)
 * and removes it, agent included, afterwards.
 */
export async function withGnupgHome<T>(fn: (env: NodeJS.ProcessEnv, home: string) => Promise<T>): Promise<T> {
  const home = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mmg-'));
  await fs.promises.chmod(home, 0o700);
  const env = { ...process.env, GNUPGHOME: home };
  try {
    return await fn(env, home);
  } finally {
    await runCommand('gpgconf', ['--kill', 'all'], { env });
    await fs.promises.rm(home, { recursive: true, force: true });
  }
}

/** Generates an OpenPGP signing key with gpg in a temporary GNUPGHOME. */
export async function generateSigningKey(options: GenerateKeyOptions = {}): Promise<GeneratedKey> {
  const userId = options.userId ?? 'Mini Mirror Test <mirror@example.com>';
  const algorithm = options.algorithm ?? 'ed25519';
  const passphrase = options.passphrase;
  return withGnupgHome(async (env, home) => {
    if (options.slowUnlock) await fs.promises.writeFile(path.join(home, 'gpg-agent.conf'), 's2k-count 65011712\n');
    const pass = ['--pinentry-mode', 'loopback', '--passphrase', passphrase ?? ''];
    const past = options.expiredPrivateKey ? ['--faked-system-time', '20200101T000000'] : [];
    await runChecked('gpg', ['--batch', ...past, ...pass, '--quick-gen-key', userId, algorithm, 'sign', past.length ? '1d' : '0'], { env });
    const listing = await runChecked('gpg', ['--batch', '--with-colons', '--list-secret-keys'], { env });
    const fingerprint = fingerprintsOf(listing.stdout)[0];
    if (!fingerprint) throw new Error(`gpg generated no key:\n${listing.stdout}`);
    const secret = await runChecked('gpg', ['--batch', ...pass, '--armor', '--export-secret-keys', fingerprint], { env });
    if (options.expiredPrivateKey) await runChecked('gpg', ['--batch', ...pass, '--quick-set-expire', fingerprint, '1y'], { env });
    const pub = await runChecked('gpg', ['--batch', '--armor', '--export', fingerprint], { env });
    return { privateKey: secret.stdout, passphrase, publicKey: pub.stdout, fingerprint };
  });
}

/** Primary-key fingerprints from `gpg --with-colons` output. */
export function fingerprintsOf(colons: string): string[] {
  const result: string[] = [];
  let wantPrimary = false;
  for (const line of colons.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === 'pub' || fields[0] === 'sec') {
      wantPrimary = true;
    } else if (fields[0] === 'fpr' && wantPrimary) {
      result.push(fields[9]);
      wantPrimary = false;
    } else if (fields[0] === 'sub' || fields[0] === 'ssb') {
      wantPrimary = false;
    }
  }
  return result;
}

/** Fingerprints of the keys in an armored or binary key file (nothing is imported). */
export async function keyFileFingerprints(keyText: string): Promise<string[]> {
  return withGnupgHome(async (env) => {
    const r = await runChecked('gpg', ['--batch', '--with-colons', '--import-options', 'show-only', '--import'], {
      env, input: keyText,
    });
    return fingerprintsOf(r.stdout);
  });
}
