import * as fs from 'fs';
import { k8s } from 'cdk8s-plus-27';
import type { IConfigMap, ISecret } from 'cdk8s-plus-27';
import { inspectKeyFile, KeyFileInfo, pinProblem } from './key-file-check';
import { checkUrl } from './validation';

/** Where a source's key file comes from, for the ConfigMap or the projected volume. */
type KeySource =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'data'; readonly bytes: Buffer; readonly origin: string; readonly info: KeyFileInfo }
  | { readonly kind: 'configMap'; readonly name: string; readonly key: string }
  | { readonly kind: 'secret'; readonly name: string; readonly key: string };

/**
 * The OpenPGP key (or keyring: several keys, e.g. Debian's `debian-archive-keyring.gpg`) that
 * signs an upstream's Release files. `MirrorSourceProps.keyFingerprints` restricts trust to the
 * pinned keys among those it holds. Keys given as data are checked at synth time and reach the
 * build Job as ConfigMap data (binary keyrings as binaryData), read there as a file.
 *
 * @example UpstreamKey.fromFile('./keys/debian-archive-keyring.gpg')
 */
export class UpstreamKey {
  /**
   * A key downloaded by the build (the seed's `key_url`).
   * @example UpstreamKey.fromUrl('https://debian.mirror.example/archive-key.asc')
   */
  public static fromUrl(url: string): UpstreamKey {
    const problem = checkUrl('key url', url);
    if (problem) throw new Error(problem);
    return new UpstreamKey({ kind: 'url', url });
  }

  /**
   * A local key file, read at synth time: armored (`.asc`) or a binary keyring (`.gpg`) as is.
   * @example UpstreamKey.fromFile('/usr/share/keyrings/debian-archive-keyring.gpg')
   */
  public static fromFile(file: string): UpstreamKey {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch (e) {
      throw new Error(`cannot read upstream key file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return UpstreamKey._fromBytes(bytes, `upstream key file ${file}`);
  }

  /**
   * Armored key text (one or several `-----BEGIN PGP PUBLIC KEY BLOCK-----` blocks).
   * @example UpstreamKey.fromArmored(fs.readFileSync('archive-key.asc', 'utf8'))
   */
  public static fromArmored(armored: string): UpstreamKey {
    if (typeof armored !== 'string' || !armored.includes('-----BEGIN PGP')) {
      throw new Error('upstream key text is not armored OpenPGP (no "-----BEGIN PGP" line): give the text of an .asc key file, or use UpstreamKey.fromFile for a binary keyring');
    }
    return UpstreamKey._fromBytes(Buffer.from(armored, 'utf8'), 'upstream key text');
  }

  /**
   * A key stored in an existing ConfigMap (as `data` or `binaryData`), mounted into the build
   * Job; it is not read at synth time.
   * @param configMap the ConfigMap, in the namespace of the build Job
   * @param key its entry holding the key file
   */
  public static fromConfigMap(configMap: IConfigMap, key: string): UpstreamKey {
    return new UpstreamKey({ kind: 'configMap', name: configMap.name, key: checkEntryKey(key) });
  }

  /**
   * A key stored in an existing Secret, mounted into the build Job; it is not read at synth time.
   * @param secret the Secret, in the namespace of the build Job
   * @param key its entry holding the key file
   */
  public static fromSecret(secret: ISecret, key: string): UpstreamKey {
    return new UpstreamKey({ kind: 'secret', name: secret.name, key: checkEntryKey(key) });
  }

  /**
   * A key from a file's bytes, checked (`what` names the file in errors).
   * @internal
   */
  public static _fromBytes(bytes: Buffer, what: string): UpstreamKey {
    const { info, problem } = inspectKeyFile(bytes, what);
    if (problem) throw new Error(problem);
    return new UpstreamKey({ kind: 'data', bytes, origin: what, info: info! });
  }

  private constructor(private readonly source: KeySource) {}

  /**
   * Primary key fingerprints the key file holds (upper-case hex), when it was read at synth time
   * (`fromFile`, `fromArmored`); empty for a URL, ConfigMap or Secret, read only by the build.
   */
  public get fingerprints(): string[] {
    return this.source.kind === 'data' ? this.source.info.keys.map(k => k.fingerprint) : [];
  }

  /**
   * The problem with pinning `pin` (normalized) to this key, when the key is known at synth time.
   * @internal
   */
  public _pinProblem(pin: string): string | undefined {
    return this.source.kind === 'data' ? pinProblem(pin, this.source.info.keys, this.source.origin) : undefined;
  }

  /** The key's URL, when the build downloads it. */
  public get url(): string | undefined {
    return this.source.kind === 'url' ? this.source.url : undefined;
  }

  /**
   * The file name of the key in the source's directory of the build Job (`key.asc`, `key.gpg`,
   * or `key` when it comes from a ConfigMap or Secret); undefined for a URL.
   */
  public get fileName(): string | undefined {
    switch (this.source.kind) {
      case 'url': return undefined;
      case 'data': return this.source.info.armored ? 'key.asc' : 'key.gpg';
      default: return 'key';
    }
  }

  /**
   * The key file's content for the sources ConfigMap: text (armored) or base64 (binary).
   * @internal
   */
  public _configMapEntry(): { text?: string; binary?: string } | undefined {
    if (this.source.kind !== 'data') return undefined;
    return this.source.info.armored ? { text: this.source.bytes.toString('utf8') } : { binary: this.source.bytes.toString('base64') };
  }

  /**
   * A projected-volume source placing a ConfigMap's or Secret's key at `path`.
   * @internal
   */
  public _projection(path: string): k8s.VolumeProjection | undefined {
    const s = this.source;
    if (s.kind === 'configMap') return { configMap: { name: s.name, items: [{ key: s.key, path }] } };
    if (s.kind === 'secret') return { secret: { name: s.name, items: [{ key: s.key, path }] } };
    return undefined;
  }

  /** What identifies the key's content, for the content hash. @internal */
  public _identity(): string {
    const s = this.source;
    switch (s.kind) {
      case 'url': return `url ${s.url}`;
      case 'data': return `data ${s.bytes.toString('base64')}`;
      default: return `${s.kind} ${s.name} ${s.key}`;
    }
  }
}

function checkEntryKey(key: string): string {
  if (typeof key !== 'string' || !/^[-._a-zA-Z0-9]+$/.test(key)) {
    throw new Error(`upstream key entry ${JSON.stringify(key)} is not a valid ConfigMap/Secret key: letters, digits, '-', '_' and '.'`);
  }
  return key;
}
