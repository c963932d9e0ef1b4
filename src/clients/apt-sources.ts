/**
 * Options for the deb822 `.sources` text of a mirror.
 */
export interface AptSourcesOptions {
  /**
   * Refer to the mirror's key as a file (`Signed-By: <keyPath>`) instead of embedding it. Put
   * `mirror-key.asc` from the client ConfigMap (or the mirror's `/mirror-key.asc`) there, e.g.
   * `/etc/apt/keyrings/<name>.asc`. Ignored for an unsigned mirror.
   * @default - the armored key is embedded in the `Signed-By` field (apt >= 2.3.10, so Debian 12 / Ubuntu 22.04 and later), one file is enough
   */
  readonly keyPath?: string;
  /**
   * Base URL of the mirror (scheme, host, optional port), without the prefix.
   * @default - the mirror's URL: `https://<ingress host>` with an Ingress with TLS, `http://<ingress host>` without TLS, else the Service's in-cluster name
   */
  readonly baseUrl?: string;
}
