import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { NginxConfig } from './nginx-config';
import { ServingResourcesOptions } from './serving-options';

/** uid and gid of nginx in `nginxinc/nginx-unprivileged`. */
export const NGINX_UID = 101;

/** Annotation carrying the nginx.conf hash: a config change changes the pod template and rolls the pods. */
export const NGINX_CONFIG_HASH_ANNOTATION = 'mini-mirror/nginx-config-hash';

export interface ServerDeploymentProps {
  readonly name: string;
  readonly labels: { [key: string]: string };
  readonly selector: { [key: string]: string };
  readonly annotations?: { [key: string]: string };
  readonly imageRef: string;
  readonly pullSecretName?: string;
  readonly replicas: number;
  readonly configMapName: string;
  readonly configHash: string;
  readonly readinessPath: string;
  readonly progressDeadlineSeconds: number;
  readonly resources?: ServingResourcesOptions;
  readonly nodeSelector?: { [key: string]: string };
  readonly tolerations?: k8s.Toleration[];
  readonly priorityClassName?: string;
}

/**
 * The nginx Deployment. Zero-downtime by construction: a new pod must be ready (serving a real
 * index file of the new tree) before an old one goes, and a terminating pod first leaves the
 * Service endpoints (preStop sleep) and then drains (the image's STOPSIGNAL is SIGQUIT, nginx's
 * graceful shutdown). The pod meets the Pod Security Standard "restricted".
 */
export function serverDeployment(scope: Construct, id: string, props: ServerDeploymentProps): k8s.KubeDeployment {
  const q = (value: string, what: string) => {
    if (!/^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti|P|Pi|E|Ei)?$/.test(value)) throw new Error(`serving resources ${what} "${value}" is not a Kubernetes quantity (e.g. 100m, 1, 64Mi)`);
    return k8s.Quantity.fromString(value);
  };
  const r = props.resources ?? {};
  const httpPort = k8s.IntOrString.fromString('http');

  const nginx: k8s.Container = {
    name: 'nginx',
    image: props.imageRef,
    // The tag is the content hash: the same tag never names other content.
    imagePullPolicy: 'IfNotPresent',
    // Bypasses the image's entrypoint scripts, which would try to rewrite files of the
    // read-only root filesystem; the config replaces the image's main nginx.conf.
    command: ['nginx', '-e', 'stderr', '-c', `${NginxConfig.CONFIG_DIR}/${NginxConfig.FILE_NAME}`, '-g', 'daemon off;'],
    ports: [{ name: 'http', containerPort: NginxConfig.PORT, protocol: 'TCP' }],
    readinessProbe: {
      httpGet: { path: props.readinessPath, port: httpPort },
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
    lifecycle: {
      // Endpoints are removed asynchronously: keep serving until kube-proxies and Ingress
      // controllers have stopped sending new requests. exec + sleep rather than the
      // `preStop.sleep` handler, which needs Kubernetes 1.29+.
      preStop: { exec: { command: ['/bin/sh', '-c', 'sleep 5'] } },
    },
    resources: {
      requests: { cpu: q(r.cpuRequest ?? '100m', 'cpuRequest'), memory: q(r.memoryRequest ?? '64Mi', 'memoryRequest') },
      limits: { cpu: q(r.cpuLimit ?? '1', 'cpuLimit'), memory: q(r.memoryLimit ?? '256Mi', 'memoryLimit') },
    },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: NGINX_UID,
      runAsGroup: NGINX_UID,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts: [
      { name: 'nginx-config', mountPath: NginxConfig.CONFIG_DIR, readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ],
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };

  const spread = (topologyKey: string): k8s.TopologySpreadConstraint => ({
    maxSkew: 1,
    topologyKey,
    // Preferred, not required: a one-node cluster must still run every replica.
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: props.selector },
  });

  return new k8s.KubeDeployment(scope, id, {
    metadata: { name: props.name, labels: props.labels, annotations: props.annotations },
    spec: {
      replicas: props.replicas,
      revisionHistoryLimit: 5,
      progressDeadlineSeconds: props.progressDeadlineSeconds,
      selector: { matchLabels: props.selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) } },
      // A new pod counts as available only after it has been ready for a while.
      minReadySeconds: 5,
      template: {
        metadata: {
          labels: props.labels,
          annotations: {
            ...props.annotations,
            [NGINX_CONFIG_HASH_ANNOTATION]: props.configHash.slice(0, 20),
            'kubectl.kubernetes.io/default-container': 'nginx',
          },
        },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 30,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: NGINX_UID,
            runAsGroup: NGINX_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          imagePullSecrets: props.pullSecretName ? [{ name: props.pullSecretName }] : undefined,
          nodeSelector: props.nodeSelector,
          tolerations: props.tolerations,
          priorityClassName: props.priorityClassName,
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [{
                weight: 100,
                podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: props.selector } },
              }],
            },
          },
          topologySpreadConstraints: [spread('kubernetes.io/hostname'), spread('topology.kubernetes.io/zone')],
          containers: [nginx],
          volumes: [
            { name: 'nginx-config', configMap: { name: props.configMapName, defaultMode: 0o444 } },
            // pid and temp files only; disk-backed, as tmpfs would count against the memory limit.
            { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
          ],
        },
      },
    },
  });
}
