import { k8s } from 'cdk8s-plus-27';
import type * as pgp from 'openpgp' with { 'resolution-mode': 'import' };
import { inspectPublicKey } from './public-key';
import { BUILD_JSON_DEFAULTS, SigningConfig } from '../contract/build-json';
import { BUILD_PATHS } from '../contract/paths';
import { DATA_KEY, isSecretName } from '../util/k8s-names';
import { INSECURE_ANNOTATION, INSECURE_WARNING } from '../util/names';
import { refuseForeignSubclass } from '../util/variants';

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
export abstract class ReleaseSigning {
  /**
   * Sign with a key from a Kubernetes Secret. The public key is checked now (parses, can sign,
   * not expired or revoked, RSA >= 3072 or Ed25519).
   * @example ReleaseSigning.fromSecret({ secretName: 'mirror-signing', publicKey: armoredPublicKey })
   */
  public static fromSecret(options: ReleaseSigningSecretOptions): ReleaseSigning {
    const privateKeyKey = options.privateKeyKey ?? BUILD_JSON_DEFAULTS.privateKeyFile;
    if (!isSecretName(options.secretName)) {
      throw new Error(`signing secretName "${options.secretName}" is not a valid Kubernetes Secret name (lowercase letters, digits, '-' and '.')`);
    }
    for (const [what, key] of [['privateKeyKey', privateKeyKey], ['passphraseKey', options.passphraseKey]] as const) {
      if (key !== undefined && !DATA_KEY.test(key)) throw new Error(`signing ${what} "${key}" is not a valid Secret key (letters, digits, '-', '_' and '.')`);
    }
    if (options.passphraseKey === privateKeyKey) throw new Error('signing passphraseKey and privateKeyKey must differ');
    const info = inspectPublicKey(options.publicKey);
    return new SecretReleaseSigning(options.secretName, options.publicKey, info.fingerprint, privateKeyKey, options.passphraseKey);
  }

  /**
   * Publish without signing. Clients must then trust the mirror blindly (`Trusted: yes`);
   * never use this in production. Synthesized objects carry a warning annotation.
   * @example ReleaseSigning.insecureUnsigned()
   */
  public static insecureUnsigned(): ReleaseSigning {
    return new UnsignedReleaseSigning();
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
  public abstract readonly signed: boolean;
  /** The Secret holding the private key, when signed. */
  public abstract readonly secretName?: string;
  /** The armored public key, when signed. */
  public abstract readonly publicKey?: string;
  /** Primary key fingerprint (upper-case hex), when signed. */
  public abstract readonly fingerprint?: string;
  /** Secret key of the armored private key, when signed. */
  public abstract readonly privateKeyKey?: string;
  /** Secret key of the passphrase, when the key has one. */
  public abstract readonly passphraseKey?: string;

  /** Only for this library's own variants (see `ImageBuilder`): made by the static factories. */
  protected constructor() {
    refuseForeignSubclass(new.target, [SecretReleaseSigning, UnsignedReleaseSigning], 'ReleaseSigning', 'ReleaseSigning.fromSecret() or insecureUnsigned()');
  }

  /** The `signing` object of build.json (docs/build-contract.md). @internal */
  public abstract _buildJson(): SigningConfig;

  /** The build pod's volumes for it and the mirror step's mounts of them. @internal */
  public abstract _bindBuild(): { readonly volumes: k8s.Volume[]; readonly mounts: k8s.VolumeMount[] };

  /** Annotations every object of the mirror carries (a warning when unsigned). @internal */
  public abstract _annotations(): { [key: string]: string };
}

/** Signed with a key from a Secret, mounted into the mirror step only. */
class SecretReleaseSigning extends ReleaseSigning {
  public readonly signed = true;

  public constructor(
    public readonly secretName: string,
    public readonly publicKey: string,
    public readonly fingerprint: string,
    public readonly privateKeyKey: string,
    public readonly passphraseKey: string | undefined,
  ) {
    super();
  }

  public _buildJson(): SigningConfig {
    return { mode: 'key', privateKeyFile: this.privateKeyKey, passphraseFile: this.passphraseKey ?? null, fingerprint: this.fingerprint };
  }

  public _bindBuild(): { readonly volumes: k8s.Volume[]; readonly mounts: k8s.VolumeMount[] } {
    const items = [{ key: this.privateKeyKey, path: this.privateKeyKey }];
    if (this.passphraseKey) items.push({ key: this.passphraseKey, path: this.passphraseKey });
    // Mode 0400 (root-owned: readable by a mirror step that runs as root; a non-root one reads
    // it through the pod's fsGroup).
    return {
      volumes: [{ name: 'signing', secret: { secretName: this.secretName, items, defaultMode: 0o400 } }],
      mounts: [{ name: 'signing', mountPath: BUILD_PATHS.signing, readOnly: true }],
    };
  }

  public _annotations(): { [key: string]: string } {
    return {};
  }
}

/** Not signed: every object carries a warning. */
class UnsignedReleaseSigning extends ReleaseSigning {
  public readonly signed = false;
  public readonly secretName = undefined;
  public readonly publicKey = undefined;
  public readonly fingerprint = undefined;
  public readonly privateKeyKey = undefined;
  public readonly passphraseKey = undefined;

  public _buildJson(): SigningConfig {
    return { mode: 'unsigned' };
  }

  public _bindBuild(): { readonly volumes: k8s.Volume[]; readonly mounts: k8s.VolumeMount[] } {
    return { volumes: [], mounts: [] };
  }

  public _annotations(): { [key: string]: string } {
    return { [INSECURE_ANNOTATION]: INSECURE_WARNING };
  }
}
