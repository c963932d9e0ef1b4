/**
 * The in-cluster base URL of a Service: `http://<service>.<namespace>.svc.<clusterDomain>[:port]`,
 * or `http://<service>[:port]` without a namespace (it then resolves only in pods of the namespace
 * the objects are applied to). Known before the server exists (the build Job needs it first).
 */
export function inClusterServiceUrl(serviceName: string, namespace: string | undefined, port: number, clusterDomain: string): string {
  const host = namespace === undefined ? serviceName : `${serviceName}.${namespace}.svc.${clusterDomain}`;
  return `http://${host}${port === 80 ? '' : `:${port}`}`;
}
