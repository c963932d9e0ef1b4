import { k8s } from 'cdk8s-plus-27';
import { DATA_KEY, isSecretName } from '../util/k8s-names';
import { refuseForeignSubclass } from '../util/variants';

/** The default key, also the file name the steps see (skopeo's `--cert-dir` reads `*.crt` as CA certificates). */
export const REGISTRY_CA_FILE = 'ca.crt';

/**
 * The CA certificate(s) that signed a registry's TLS certificate, for a registry whose
 * certificate the image step's system trust store does not know (a private CA). The PEM bundle
 * is mounted into the `check` and `image` steps and given to skopeo (`--cert-dir`, added to the
 * system CAs). It is not a secret: a ConfigMap is fine.
 *
 * The serving pods' image pull is done by the nodes' container runtime, not by a pod: configure
 * the same CA there (README, "The registry").
 *
 * @example
 * RegistryCa.fromConfigMap('registry-ca');                  // key ca.crt
 * RegistryCa.fromSecret('registry-tls', 'ca.crt');
 */
export abstract class RegistryCa {
  /**
   * The PEM bundle is the key `key` of the ConfigMap `name` (in the chart's namespace).
   * @param name the ConfigMap's name
   * @param key the key holding the PEM bundle; default `ca.crt`
   */
  public static fromConfigMap(name: string, key?: string): RegistryCa {
    return new ConfigMapRegistryCa(name, key ?? REGISTRY_CA_FILE);
  }

  /**
   * The PEM bundle is the key `key` of the Secret `name` (e.g. a cert-manager Secret's `ca.crt`).
   * @param name the Secret's name
   * @param key the key holding the PEM bundle; default `ca.crt`
   */
  public static fromSecret(name: string, key?: string): RegistryCa {
    return new SecretRegistryCa(name, key ?? REGISTRY_CA_FILE);
  }

  /** `configMap` or `secret`. */
  public readonly kind: string;
  /** Name of the ConfigMap or Secret. */
  public readonly name: string;
  /** Key of the PEM bundle in it. */
  public readonly key: string;

  /** Only for this library's own variants (see `ImageBuilder`): made by the static factories. */
  protected constructor(kind: string, name: string, key: string) {
    refuseForeignSubclass(new.target, [ConfigMapRegistryCa, SecretRegistryCa], 'RegistryCa', 'RegistryCa.fromConfigMap() or fromSecret()');
    // ConfigMap and Secret names follow the same rule
    if (!isSecretName(name)) {
      throw new Error(`registry CA ${kind} name "${name}" is not a valid object name: use lowercase letters, digits, '-' and '.'`);
    }
    if (typeof key !== 'string' || !DATA_KEY.test(key)) {
      throw new Error(`registry CA key "${key}" is not a valid ${kind} key: use letters, digits, '-', '_' and '.'`);
    }
    this.kind = kind;
    this.name = name;
    this.key = key;
  }

  /**
   * The pod volume `name` with the bundle as `ca.crt`. Public certificates: world-readable, so a
   * non-root step reads them without fsGroup.
   * @internal
   */
  public abstract _volume(name: string): k8s.Volume;
}

/** The bundle as the file the steps read. */
function caItems(ca: RegistryCa): k8s.KeyToPath[] {
  return [{ key: ca.key, path: REGISTRY_CA_FILE }];
}

class ConfigMapRegistryCa extends RegistryCa {
  public constructor(name: string, key: string) {
    super('configMap', name, key);
  }

  public _volume(name: string): k8s.Volume {
    return { name, configMap: { name: this.name, items: caItems(this), defaultMode: 0o444 } };
  }
}

class SecretRegistryCa extends RegistryCa {
  public constructor(name: string, key: string) {
    super('secret', name, key);
  }

  public _volume(name: string): k8s.Volume {
    return { name, secret: { secretName: this.name, items: caItems(this), defaultMode: 0o444 } };
  }
}
