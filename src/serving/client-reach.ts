import { MirrorServer } from './mirror-server';
import { hintedError } from '../util/hinted-error';

// Whether APT clients can reach the mirror at a base URL: the Service's in-cluster URL works
// only for clients inside the cluster, and only when it names the namespace the Service is in.

/**
 * Why clients cannot use `baseUrl`, or undefined. Only the server's own in-cluster
 * URL (`serviceUrl()`) can be wrong: any other URL was chosen on purpose (an Ingress host, an
 * explicit base URL).
 */
export function clientUrlError(server: MirrorServer, baseUrl: string): Error | undefined {
  const inCluster = server.serviceUrl();
  if (baseUrl.replace(/\/+$/, '') !== inCluster) return undefined;
  if (server.serviceType.serviceType === 'NodePort') {
    const port = server.serviceType.chosenNodePort;
    const example = `http://node1.example:${port ?? 30888}`;
    return new Error(`the Service is a NodePort for clients outside the cluster, but the client .sources would use its in-cluster URL ${inCluster}, which they cannot resolve: `
      + `set clients.baseUrl to a node's address and the node port (e.g. ${example}${port === undefined ? ', with ServingServiceType.nodePort(30888) so the port is known' : ''}), or use serving.ingress`);
  }
  if (server.serviceNamespace === undefined) {
    return hintedError(`the chart sets no namespace, so the client .sources would name the Service without one (${inCluster} resolves only inside the namespace the objects are applied to): `
      + 'set namespace on the Chart (e.g. new Chart(app, \'mirror\', { namespace: \'apt-mirror\' })), or set clients.baseUrl', 'namespace');
  }
  return undefined;
}
