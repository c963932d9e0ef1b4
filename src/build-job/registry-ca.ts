import { k8s } from 'cdk8s-plus-27';
import { DATA_KEY, isSecretName } from '../util/k8s-names';

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
export class RegistryCa {
  /**
   * The PEM bundle is the key `key` of the ConfigMap `name` (in the chart's namespace).
   * @param name the ConfigMap's name
   * @param key the key holding the PEM bundle; default `ca.crt`
   */
  public static fromConfigMap(name: string, key?: string): RegistryCa {
    return new RegistryCa('configMap', name, key ?? REGISTRY_CA_FILE);
  }

  /**
   * The PEM bundle is the key `key` of the Secret `name` (e.g. a cert-manager Secret's `ca.crt`).
   * @param name the Secret's name
   * @param key the key holding the PEM bundle; default `ca.crt`
   */
  public static fromSecret(name: string, key?: string): RegistryCa {
    return new RegistryCa('secret', name, key ?? REGISTRY_CA_FILE);
  }

  /** `configMap` or `secret`. */
  public readonly kind: string;
  /** Name of the ConfigMap or Secret. */
  public readonly name: string;
  /** Key of the PEM bundle in it. */
  public readonly key: string;

  /** Made by the static factories only (CONTRIBUTING.md, "Variant types"). */
  private constructor(kind: 'configMap' | 'secret', name: string, key: string) {
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
  public _volume(name: string): k8s.Volume {
    const items = [{ key: this.key, path: REGISTRY_CA_FILE }];
    return this.kind === 'secret'
      ? { name, secret: { secretName: this.name, items, defaultMode: 0o444 } }
      : { name, configMap: { name: this.name, items, defaultMode: 0o444 } };
  }
}
