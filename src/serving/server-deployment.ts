import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { NGINX_CONFIG_VOLUME, NGINX_TMP_VOLUME, NGINX_UID, nginxContainer } from './nginx-container';
import { ServerObjectProps, serverMetadata } from './server-object';
import { ServingResourcesOptions } from './serving-options';
import { servingImage } from '../build-job/image-digest';
import { podSecurity } from '../util/hardening';

/** Annotation carrying the nginx.conf hash: a config change changes the pod template and rolls the pods. */
export const NGINX_CONFIG_HASH_ANNOTATION = 'mini-mirror/nginx-config-hash';
/** Annotation carrying the image's `repository:tag` when the pods run it by digest. */
export const IMAGE_TAG_ANNOTATION = 'mini-mirror/image-tag';

export interface ServerDeploymentProps extends ServerObjectProps {
  readonly imageRef: string;
  /** When known, the pods run `<repository>@<digest>`. */
  readonly imageDigest?: string;
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
  const image = servingImage(props.imageRef, props.imageDigest);
  return new k8s.KubeDeployment(scope, id, {
    metadata: serverMetadata(props),
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
            // which tag the digest was taken from, for people reading the pods
            ...(props.imageDigest !== undefined ? { [IMAGE_TAG_ANNOTATION]: props.imageRef } : {}),
            'kubectl.kubernetes.io/default-container': 'nginx',
          },
        },
        spec: serverPodSpec(props, image),
      },
    },
  });
}

/** The serving pod: nginx alone, no API access, spread over nodes and zones. */
function serverPodSpec(props: ServerDeploymentProps, image: { image: string; pullPolicy: string }): k8s.PodSpec {
  return {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    terminationGracePeriodSeconds: 30,
    securityContext: podSecurity({ uid: NGINX_UID }),
    imagePullSecrets: props.pullSecretName ? [{ name: props.pullSecretName }] : undefined,
    nodeSelector: props.nodeSelector,
    tolerations: props.tolerations,
    priorityClassName: props.priorityClassName,
    ...spreadReplicas(props.selector),
    containers: [nginxContainer({ ...props, imageRef: image.image, imagePullPolicy: image.pullPolicy })],
    volumes: [
      { name: NGINX_CONFIG_VOLUME, configMap: { name: props.configMapName, defaultMode: 0o444 } },
      // pid and temp files only; disk-backed, as tmpfs would count against the memory limit.
      { name: NGINX_TMP_VOLUME, emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
    ],
  };
}

/** Replicas preferably on different nodes and zones; preferred, not required, so a one-node cluster still runs every replica. */
function spreadReplicas(selector: { [key: string]: string }): Pick<k8s.PodSpec, 'affinity' | 'topologySpreadConstraints'> {
  const spread = (topologyKey: string): k8s.TopologySpreadConstraint => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: selector },
  });
  return {
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [{
          weight: 100,
          podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } },
        }],
      },
    },
    topologySpreadConstraints: [spread('kubernetes.io/hostname'), spread('topology.kubernetes.io/zone')],
  };
}
