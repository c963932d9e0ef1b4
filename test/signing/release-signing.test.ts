import type * as pgp from 'openpgp' with { 'resolution-mode': 'import' };
import { ReleaseSigning } from '../../src';
import { errorOf } from '../support/tree';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const openpgp: typeof pgp = require('openpgp');

async function generate(opts: Record<string, unknown> = {}) {
  return openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'Test Mirror', email: 'mirror@mirror.example' }], format: 'armored', ...opts } as any) as unknown as Promise<{ privateKey: string; publicKey: string; revocationCertificate: string }>;
}

describe('ReleaseSigning', () => {
  let ed25519: { privateKey: string; publicKey: string; revocationCertificate: string };
  beforeAll(async () => {
    ed25519 = await generate({ passphrase: 'correct horse' });
  });

  test('fromSecret validates the public key and exposes its fingerprint', async () => {
    const signing = ReleaseSigning.fromSecret({ secretName: 'mirror-signing', publicKey: ed25519.publicKey, passphraseKey: 'passphrase' });
    const key = await openpgp.readKey({ armoredKey: ed25519.publicKey });
    expect(signing.signed).toBe(true);
    expect(signing.fingerprint).toBe(key.getFingerprint().toUpperCase());
    expect(signing.privateKeyKey).toBe('signing-key.asc');
    expect(signing.passphraseKey).toBe('passphrase');
  });

  test('accepts RSA 3072', async () => {
    const rsa = await generate({ type: 'rsa', rsaBits: 3072 } as any);
    expect(ReleaseSigning.fromSecret({ secretName: 's', publicKey: rsa.publicKey }).signed).toBe(true);
  });

  test('rejects RSA 2048', async () => {
    const rsa = await generate({ type: 'rsa', rsaBits: 2048 } as any);
    expect(errorOf(() => ReleaseSigning.fromSecret({ secretName: 's', publicKey: rsa.publicKey }))).toMatch(/uses RSA 2048: use RSA of at least 3072 bits or Ed25519/);
  });

  test('rejects an expired key', async () => {
    const old = await generate({ keyExpirationTime: 1, date: new Date(Date.now() - 86_400_000) } as any);
    expect(errorOf(() => ReleaseSigning.fromSecret({ secretName: 's', publicKey: old.publicKey }))).toMatch(/cannot sign Release files: it has expired/);
  });

  test('rejects a revoked key', async () => {
    const { publicKey } = await openpgp.revokeKey({ key: await openpgp.readKey({ armoredKey: ed25519.publicKey }), revocationCertificate: ed25519.revocationCertificate, format: 'armored' } as any) as any;
    expect(errorOf(() => ReleaseSigning.fromSecret({ secretName: 's', publicKey }))).toMatch(/is revoked: create a new signing key/);
  });

  test('refuses a private key, which would end up in a ConfigMap', () => {
    expect(errorOf(() => ReleaseSigning.fromSecret({ secretName: 's', publicKey: ed25519.privateKey }))).toMatch(/is a private key: pass the public key/);
  });

  test.each([
    ['not armored', 'hello', /not an armored OpenPGP key/],
    ['garbage armor', '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n', /cannot parse the public key/],
  ])('rejects %s', (_n, key, expected) => {
    expect(errorOf(() => ReleaseSigning.fromSecret({ secretName: 's', publicKey: key }))).toMatch(expected);
  });

  test.each([
    [{ secretName: 'Mirror_Signing' }, /secretName "Mirror_Signing" is not a valid Kubernetes Secret name/],
    [{ privateKeyKey: 'a/b' }, /privateKeyKey "a\/b" is not a valid Secret key/],
    [{ passphraseKey: 'signing-key.asc' }, /passphraseKey and privateKeyKey must differ/],
  ])('rejects bad secret references %j', (opts, expected) => {
    expect(errorOf(() => ReleaseSigning.fromSecret({ secretName: 's', publicKey: ed25519.publicKey, ...opts }))).toMatch(expected);
  });

  test('insecureUnsigned is explicit and carries no key', () => {
    const unsigned = ReleaseSigning.insecureUnsigned();
    expect(unsigned.signed).toBe(false);
    expect(unsigned.publicKey).toBeUndefined();
  });

  test('one class whose kind decides build.json, the mounts and the warning', () => {
    const signed = ReleaseSigning.fromSecret({ secretName: 'mirror-signing', publicKey: ed25519.publicKey, passphraseKey: 'passphrase' });
    const unsigned = ReleaseSigning.insecureUnsigned();
    expect([signed.constructor, unsigned.constructor]).toEqual([ReleaseSigning, ReleaseSigning]);
    expect(signed._buildJson()).toEqual({ mode: 'key', privateKeyFile: 'signing-key.asc', passphraseFile: 'passphrase', fingerprint: signed.fingerprint });
    expect(signed._bindBuild().volumes[0].secret?.items?.map(i => i.key)).toEqual(['signing-key.asc', 'passphrase']);
    expect(signed._annotations()).toEqual({});
    expect(unsigned._buildJson()).toEqual({ mode: 'unsigned' });
    expect(unsigned._bindBuild()).toEqual({ volumes: [], mounts: [] });
    expect(Object.values(unsigned._annotations())[0]).toMatch(/release files are NOT signed/);
  });

  test('only an explicit unsigned kind skips the key checks', () => {
    // Only plain JavaScript reaches the private constructor: a wrong kind must not mean unsigned.
    const Unchecked = ReleaseSigning as unknown as new (...args: unknown[]) => ReleaseSigning;
    expect(errorOf(() => new Unchecked('unsgined', { secretName: 's', publicKey: 'hello' }))).toMatch(/not an armored OpenPGP key/);
    expect(errorOf(() => new Unchecked('unsgined'))).toBe('signing needs a secretName and a publicKey: use ReleaseSigning.fromSecret({ secretName, publicKey }) or ReleaseSigning.insecureUnsigned()');
  });

  describe('checkKeyPair', () => {
    test('passes for the matching key and passphrase', async () => {
      const key = await openpgp.readKey({ armoredKey: ed25519.publicKey });
      await expect(ReleaseSigning.checkKeyPair(ed25519.privateKey, ed25519.publicKey, 'correct horse')).resolves.toBe(key.getFingerprint().toUpperCase());
    });
    test('reads the passphrase like gpg --passphrase-file: the first line of the file', async () => {
      await expect(ReleaseSigning.checkKeyPair(ed25519.privateKey, ed25519.publicKey, 'correct horse\n')).resolves.toMatch(/^[0-9A-F]{40}$/);
      await expect(ReleaseSigning.checkKeyPair(ed25519.privateKey, ed25519.publicKey, 'correct horse\nsecond line\n')).resolves.toMatch(/^[0-9A-F]{40}$/);
      await expect(ReleaseSigning.checkKeyPair(ed25519.privateKey, ed25519.publicKey, 'correct horse \n')).rejects.toThrow('the passphrase does not decrypt');
    });
    test('fails for a wrong passphrase', async () => {
      await expect(ReleaseSigning.checkKeyPair(ed25519.privateKey, ed25519.publicKey, 'wrong')).rejects.toThrow('the passphrase does not decrypt the private key');
    });
    test('fails without the passphrase', async () => {
      await expect(ReleaseSigning.checkKeyPair(ed25519.privateKey, ed25519.publicKey)).rejects.toThrow(/protected by a passphrase/);
    });
    test('fails for another public key', async () => {
      const other = await generate();
      await expect(ReleaseSigning.checkKeyPair(ed25519.privateKey, other.publicKey, 'correct horse')).rejects.toThrow(/does not match public key/);
    });
  });
});
