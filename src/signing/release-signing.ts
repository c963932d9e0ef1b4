import { k8s } from 'cdk8s-plus-27';
import type * as pgp from 'openpgp' with { 'resolution-mode': 'import' };
import { inspectPublicKey } from './public-key';
import { BUILD_JSON_DEFAULTS, SigningConfig } from '../contract/build-json';
import { BUILD_PATHS } from '../contract/paths';
import { DATA_KEY, isSecretName } from '../util/k8s-names';
import { INSECURE_ANNOTATION, INSECURE_WARNING } from '../util/names';

/**
 * openpgp, loaded only by `checkKeyPair`: synth itself never needs it in-process. openpgp 6 is
 * ESM with a CommonJS export; this form compiles under jsii's module node16.
 */
function loadOpenpgp(): typeof pgp {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('openpgp');
}

/**
 * Where the mirror's release signing key lives.
 */
export interface ReleaseSigningSecretOptions {
  /**
   * Name of the Kubernetes Secret holding the armored private key (and its passphrase).
   * Create it out of band; it is mounted read-only into the build step only.
   */
  readonly secretName: string;
  /**
   * The armored public key matching the private key; validated at synth time and
   * published to clients (it is not secret).
   */
  readonly publicKey: string;
  /**
   * Key in the Secret that holds the armored private key.
   * @default 'signing-key.asc'
   */
  readonly privateKeyKey?: string;
  /**
   * Key in the Secret that holds the passphrase.
   * @default - the private key has no passphrase
   */
  readonly passphraseKey?: string;
}


/** A signing key in a Secret, checked (the kind `key`). */
interface SigningKey {
  readonly secretName: string;
  readonly publicKey: string;
  readonly fingerprint: string;
  readonly privateKeyKey: string;
  readonly passphraseKey?: string;
}

/**
 * Checks the Secret's name and keys and the public key (which gives the fingerprint), so that a
 * signed `ReleaseSigning` always holds a usable key.
 */
function checkSigningKey(options: ReleaseSigningSecretOptions): SigningKey {
  if (options === undefined || options === null) {
    const use = 'use ReleaseSigning.fromSecret({ secretName, publicKey }) or ReleaseSigning.insecureUnsigned()';
    throw new Error(`signing needs a secretName and a publicKey: ${use}`);
  }
  const privateKeyKey = options.privateKeyKey ?? BUILD_JSON_DEFAULTS.privateKeyFile;
  if (!isSecretName(options.secretName)) {
    throw new Error(`signing secretName "${options.secretName}" is not a valid Kubernetes Secret name (lowercase letters, digits, '-' and '.')`);
  }
  for (const [what, key] of [['privateKeyKey', privateKeyKey], ['passphraseKey', options.passphraseKey]] as const) {
    if (key !== undefined && !DATA_KEY.test(key)) throw new Error(`signing ${what} "${key}" is not a valid Secret key (letters, digits, '-', '_' and '.')`);
  }
  if (options.passphraseKey === privateKeyKey) throw new Error('signing passphraseKey and privateKeyKey must differ');
  const { fingerprint } = inspectPublicKey(options.publicKey);
  return { secretName: options.secretName, publicKey: options.publicKey, fingerprint, privateKeyKey, passphraseKey: options.passphraseKey };
}

/**
 * How the mirror signs its Release files.
 *
 * @example
 * ReleaseSigning.fromSecret({
 *   secretName: 'mirror-signing',
 *   publicKey: fs.readFileSync('mirror.pub.asc', 'utf8'),
 *   passphraseKey: 'passphrase',
 * });
 */
export class ReleaseSigning {
  /**
   * Sign with a key from a Kubernetes Secret. The public key is checked now (parses, can sign,
   * not expired or revoked, RSA >= 3072 or Ed25519).
   * @example ReleaseSigning.fromSecret({ secretName: 'mirror-signing', publicKey: armoredPublicKey })
   */
  public static fromSecret(options: ReleaseSigningSecretOptions): ReleaseSigning {
    return new ReleaseSigning('key', options);
  }

  /**
   * Publish without signing. Clients must then trust the mirror blindly (`Trusted: yes`);
   * never use this in production. Synthesized objects carry a warning annotation.
   * @example ReleaseSigning.insecureUnsigned()
   */
  public static insecureUnsigned(): ReleaseSigning {
    return new ReleaseSigning('unsigned');
  }

  /**
   * Check, in your own tests, that a private key (and passphrase) decrypts and matches the
   * public key you pass to `fromSecret`, by signing and verifying a message. Nothing of it
   * is ever written into synthesized output. Rejects with a message saying what is wrong.
   * The passphrase may be the Secret's file as it is: like `gpg --passphrase-file` in the build,
   * only its first line counts.
   * @example await ReleaseSigning.checkKeyPair(privateKeyArmored, publicKeyArmored, fs.readFileSync('passphrase.txt', 'utf8'))
   */
  public static async checkKeyPair(privateKey: string, publicKey: string, passphrase?: string): Promise<string> {
    const openpgp = loadOpenpgp();
    let priv: pgp.PrivateKey;
    try {
      priv = await openpgp.readPrivateKey({ armoredKey: privateKey });
    } catch (e) {
      throw new Error(`cannot parse the private key: ${(e as Error).message}`);
    }
    const pub = await openpgp.readKey({ armoredKey: publicKey });
    if (priv.getFingerprint() !== pub.getFingerprint()) {
      throw new Error(`private key ${priv.getFingerprint().toUpperCase()} does not match public key ${pub.getFingerprint().toUpperCase()}`);
    }
    if (!priv.isDecrypted()) {
      if (passphrase === undefined) throw new Error('the private key is protected by a passphrase: pass it (and set passphraseKey)');
      try {
        priv = await openpgp.decryptKey({ privateKey: priv, passphrase: passphrase.split('\n')[0] });
      } catch {
        throw new Error('the passphrase does not decrypt the private key');
      }
    }
    const message = await openpgp.createMessage({ text: 'cdk8s-mini-mirror key check' });
    const signature = await openpgp.sign({ message, signingKeys: priv, detached: true });
    const armoredSignature = signature as string;
    const verified = await openpgp.verify({ message, signature: await openpgp.readSignature({ armoredSignature }), verificationKeys: pub });
    await verified.signatures[0].verified;
    return pub.getFingerprint().toUpperCase();
  }

  /** Whether Release files are signed. */
  public readonly signed: boolean;
  /** The Secret holding the private key, when signed. */
  public readonly secretName?: string;
  /** The armored public key, when signed. */
  public readonly publicKey?: string;
  /** Primary key fingerprint (upper-case hex), when signed. */
  public readonly fingerprint?: string;
  /** Secret key of the armored private key, when signed. */
  public readonly privateKeyKey?: string;
  /** Secret key of the passphrase, when the key has one. */
  public readonly passphraseKey?: string;
  /** The checked key; undefined only for the kind `unsigned`. */
  private readonly key?: SigningKey;

  /** Made by the static factories only (CONTRIBUTING.md, "Variant types"). */
  private constructor(kind: 'key' | 'unsigned', options?: ReleaseSigningSecretOptions) {
    // Anything but an explicit `unsigned` must bring a key that passes the checks.
    const key = kind === 'unsigned' ? undefined : checkSigningKey(options as ReleaseSigningSecretOptions);
    this.key = key;
    this.signed = key !== undefined;
    this.secretName = key?.secretName;
    this.publicKey = key?.publicKey;
    this.fingerprint = key?.fingerprint;
    this.privateKeyKey = key?.privateKeyKey;
    this.passphraseKey = key?.passphraseKey;
  }

  /** The `signing` object of build.json (docs/build-contract.md). @internal */
  public _buildJson(): SigningConfig {
    const key = this.key;
    if (!key) return { mode: 'unsigned' };
    return { mode: 'key', privateKeyFile: key.privateKeyKey, passphraseFile: key.passphraseKey ?? null, fingerprint: key.fingerprint };
  }

  /** The build pod's volumes for it and the mirror step's mounts of them. @internal */
  public _bindBuild(): { readonly volumes: k8s.Volume[]; readonly mounts: k8s.VolumeMount[] } {
    const key = this.key;
    if (!key) return { volumes: [], mounts: [] };
    const items = [{ key: key.privateKeyKey, path: key.privateKeyKey }];
    if (key.passphraseKey) items.push({ key: key.passphraseKey, path: key.passphraseKey });
    // Mode 0400 (root-owned: readable by a mirror step that runs as root; a non-root one reads
    // it through the pod's fsGroup).
    return {
      volumes: [{ name: 'signing', secret: { secretName: key.secretName, items, defaultMode: 0o400 } }],
      mounts: [{ name: 'signing', mountPath: BUILD_PATHS.signing, readOnly: true }],
    };
  }

  /** Annotations every object of the mirror carries (a warning when unsigned). @internal */
  public _annotations(): { [key: string]: string } {
    return this.key ? {} : { [INSECURE_ANNOTATION]: INSECURE_WARNING };
  }
}
