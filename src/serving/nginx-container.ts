import { k8s } from 'cdk8s-plus-27';
import { NginxConfig } from './nginx-config';
import { ServingResourcesOptions } from './serving-options';
import { checkQuantity } from '../util/checks';
import { nonRootContainerSecurity } from '../util/hardening';

/** uid and gid of nginx in `nginxinc/nginx-unprivileged`. */
export const NGINX_UID = 101;

/** Volume holding `nginx.conf` (the server's ConfigMap). */
export const NGINX_CONFIG_VOLUME = 'nginx-config';
/** Volume for nginx's pid and temp files. */
export const NGINX_TMP_VOLUME = 'tmp';

export interface NginxContainerProps {
  readonly imageRef: string;
  /** `Always` for a tag, `IfNotPresent` for a digest (server-deployment.ts decides). */
  readonly imagePullPolicy: string;
  /** Path of a file that exists only once the tree is complete (readiness). */
  readonly readinessPath: string;
  readonly resources?: ServingResourcesOptions;
}

/**
 * The serving container: nginx with the mounted config on a read-only root filesystem, ready
 * only once it serves `readinessPath`, leaving the endpoints before it stops.
 */
export function nginxContainer(props: NginxContainerProps): k8s.Container {
  return {
    name: 'nginx',
    image: props.imageRef,
    imagePullPolicy: props.imagePullPolicy,
    // Bypasses the image's entrypoint scripts, which would try to rewrite files of the
    // read-only root filesystem; the config replaces the image's main nginx.conf.
    command: ['nginx', '-e', 'stderr', '-c', `${NginxConfig.CONFIG_DIR}/${NginxConfig.FILE_NAME}`, '-g', 'daemon off;'],
    ports: [{ name: 'http', containerPort: NginxConfig.PORT, protocol: 'TCP' }],
    ...nginxProbes(props.readinessPath),
    lifecycle: {
      // Endpoints are removed asynchronously: keep serving until kube-proxies and Ingress
      // controllers have stopped sending new requests. exec + sleep rather than the
      // `preStop.sleep` handler, which needs Kubernetes 1.29+.
      preStop: { exec: { command: ['/bin/sh', '-c', 'sleep 5'] } },
    },
    resources: nginxResources(props.resources ?? {}),
    securityContext: nonRootContainerSecurity(NGINX_UID),
    volumeMounts: [
      { name: NGINX_CONFIG_VOLUME, mountPath: NginxConfig.CONFIG_DIR, readOnly: true },
      { name: NGINX_TMP_VOLUME, mountPath: '/tmp' },
    ],
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

/** Ready while it serves a real file of the tree; alive while it answers the health path. */
function nginxProbes(readinessPath: string): Pick<k8s.Container, 'readinessProbe' | 'livenessProbe'> {
  const httpPort = k8s.IntOrString.fromString('http');
  return {
    readinessProbe: {
      httpGet: { path: readinessPath, port: httpPort },
      periodSeconds: 5,
      timeoutSeconds: 2,
      failureThreshold: 2,
      successThreshold: 1,
    },
    livenessProbe: {
      httpGet: { path: NginxConfig.HEALTH_PATH, port: httpPort },
      initialDelaySeconds: 5,
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
    },
  };
}

/** Requests and limits, each checked as a Kubernetes quantity. */
function nginxResources(r: ServingResourcesOptions): k8s.ResourceRequirements {
  const quantity = (what: keyof ServingResourcesOptions, fallback: string, example: string) =>
    k8s.Quantity.fromString(checkQuantity(`serving resources ${what}`, r[what] ?? fallback, example));
  return {
    requests: { cpu: quantity('cpuRequest', '100m', '100m or 1'), memory: quantity('memoryRequest', '64Mi', '64Mi or 1Gi') },
    limits: { cpu: quantity('cpuLimit', '1', '500m or 1'), memory: quantity('memoryLimit', '256Mi', '256Mi or 1Gi') },
  };
}
