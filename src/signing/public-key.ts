import { execFileSync } from 'child_process';
import * as path from 'path';

/** What the synth-time check learned about a release signing public key. */
export interface PublicKeyInfo {
  readonly fingerprint: string;
  readonly signingFingerprint: string;
  readonly description: string;
}

const ASSETS = path.join(__dirname, '..', '..', 'assets');

// The check costs a child process (~0.1 s); an app or test run with several mirrors signed by
// the same key pays it once. Only successful results are kept: a failure is re-checked.
const INSPECTED = new Map<string, PublicKeyInfo>();

/**
 * Validates an armored public key for signing Release files: it parses, is public (never a
 * private key, which would end up in a ConfigMap), has a signing-capable, unexpired, unrevoked
 * key, of RSA >= 3072 bits or Ed25519. Throws a lowercase message saying what to do.
 */
export function inspectPublicKey(armored: string): PublicKeyInfo {
  const known = typeof armored === 'string' ? INSPECTED.get(armored) : undefined;
  if (known) return known;
  if (typeof armored !== 'string' || !armored.includes('-----BEGIN PGP')) {
    throw new Error('signing public key is not an armored OpenPGP key: export it with `gpg --armor --export <fingerprint>`');
  }
  if (armored.includes('-----BEGIN PGP PRIVATE KEY BLOCK-----')) {
    throw new Error('signing public key is a private key: pass the public key (`gpg --armor --export`); the private key belongs in the Kubernetes Secret only');
  }
  const raw = execFileSync(process.execPath, [path.join(ASSETS, 'inspect-public-key.cjs')], { input: armored, encoding: 'utf8', timeout: 60_000 });
  const info = JSON.parse(raw);
  if (!info.ok) throw new Error(`signing public key: ${info.error}`);
  if (info.isPrivate) throw new Error('signing public key is a private key: pass the public key; the private key belongs in the Kubernetes Secret only');
  if (info.revoked) throw new Error(`signing key ${info.fingerprint} is revoked: create a new signing key`);
  if (!info.signingKey) {
    const why = /expired/i.test(info.signingError ?? '') ? 'it has expired' : 'it has no usable signing (sub)key';
    throw new Error(`signing key ${info.fingerprint} cannot sign Release files: ${why}; extend its expiry or create a new key (${info.signingError})`);
  }
  const { algorithm, bits, curve } = info.signingKey;
  const strong = (algorithm.startsWith('rsa') && bits >= 3072)
    || algorithm === 'ed25519' || (algorithm === 'eddsaLegacy' && /^ed25519/i.test(curve ?? ''));
  if (!strong) {
    const what = algorithm.startsWith('rsa') ? `RSA ${bits}` : `${algorithm}${curve ? ` (${curve})` : ''}`;
    throw new Error(`signing key ${info.fingerprint} uses ${what}: use RSA of at least 3072 bits or Ed25519 (gpg --quick-gen-key <uid> rsa4096 sign)`);
  }
  const result: PublicKeyInfo = {
    fingerprint: info.fingerprint,
    signingFingerprint: info.signingKey.fingerprint,
    description: `${info.userIds.join(', ')} ${algorithm.startsWith('rsa') ? `rsa${bits}` : 'ed25519'}`,
  };
  INSPECTED.set(armored, result);
  return result;
}
