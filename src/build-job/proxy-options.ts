/**
 * HTTP proxy settings for the build (the seed's `HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY`). They
 * are plain env values in the Job's YAML: a value with credentials (`user:pass@`, with or
 * without a scheme), a query or a fragment is refused (the build cannot read proxy credentials
 * from a Secret; use a proxy that authorizes the build's network).
 */
export interface ProxyOptions {
  /**
   * Proxy for http:// upstreams.
   * @default - none
   */
  readonly httpProxy?: string;
  /**
   * Proxy for https:// upstreams.
   * @default - none
   */
  readonly httpsProxy?: string;
  /**
   * Hosts that bypass the proxy (comma-separated), e.g. the registry.
   * @default - none
   */
  readonly noProxy?: string;
}
