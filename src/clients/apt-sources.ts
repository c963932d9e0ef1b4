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
   * Base URL of the mirror (scheme, host, optional port), without the prefix: the way clients
   * really reach it. Needed with a NodePort Service (a node's address and the node port, e.g.
   * `http://node1.example:30888`) and when the chart sets no namespace, unless an Ingress gives
   * the URL: synth refuses the Service's in-cluster name there.
   * @default - the mirror's URL: `https://<ingress host>` with an Ingress with TLS, `http://<ingress host>` without TLS, else the Service's in-cluster name `http://<name>-server.<namespace>.svc.<clusterDomain>[:<servicePort>]`
   */
  readonly baseUrl?: string;
}
