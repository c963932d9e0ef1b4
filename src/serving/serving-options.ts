import { k8s } from 'cdk8s-plus-27';
import { AccessLog } from './access-log';
import { ServingServiceType } from './service-type';

/**
 * An Ingress in front of the mirror's Service (path `/`, pathType Prefix).
 */
export interface ServingIngressOptions {
  /**
   * Host name clients use, e.g. `apt.example.com`. With TLS, the client `.sources` use
   * `https://<host>/<prefix>`.
   */
  readonly host: string;
  /**
   * `spec.ingressClassName`.
   * @default - the cluster's default IngressClass
   */
  readonly ingressClassName?: string;
  /**
   * Secret of type `kubernetes.io/tls` with the certificate for `host`. Enables TLS.
   * @default - no TLS: plain http on the Ingress
   */
  readonly tlsSecretName?: string;
  /**
   * Annotations of the Ingress (e.g. for cert-manager or the controller).
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
}

/**
 * Requests and limits of the nginx container (Kubernetes quantities).
 */
export interface ServingResourcesOptions {
  /**
   * CPU request.
   * @default '100m'
   */
  readonly cpuRequest?: string;
  /**
   * Memory request.
   * @default '64Mi'
   */
  readonly memoryRequest?: string;
  /**
   * CPU limit.
   * @default '1'
   */
  readonly cpuLimit?: string;
  /**
   * Memory limit.
   * @default '256Mi'
   */
  readonly memoryLimit?: string;
}

/**
 * The NetworkPolicy of the serving pods: ingress only on TCP 8080, no egress at all.
 */
export interface ServingNetworkPolicyOptions {
  /**
   * Create the NetworkPolicy.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Peers allowed to reach nginx. When this or `ingressControllerNamespace` is given, only
   * these peers (plus the mirror's own smoke test) are allowed.
   * @default - any source: pods in every namespace, nodes, and outside clients of a
   * NodePort/LoadBalancer Service (the rule has no `from`)
   */
  readonly allowFrom?: k8s.NetworkPolicyPeer[];
  /**
   * Namespace of the Ingress controller, allowed in addition to `allowFrom` (matched by its
   * `kubernetes.io/metadata.name` label).
   * @default - none
   */
  readonly ingressControllerNamespace?: string;
}

/**
 * The NodePort range of a cluster (kube-apiserver `--service-node-port-range`).
 */
export interface ServingNodePortRange {
  /** Lowest node port of the range, e.g. 30000. */
  readonly min: number;
  /** Highest node port of the range, e.g. 32767. */
  readonly max: number;
}

/**
 * How the mirror is served.
 */
export interface ServingOptions {
  /**
   * nginx replicas. With 2 or more, a PodDisruptionBudget keeps all but one serving during
   * node drains; with 1 there is no PodDisruptionBudget (it could only block a drain, or allow
   * evicting the only pod), so a drain briefly stops serving.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Service type. With `ServingServiceType.nodePort()`, set `clients.baseUrl` to a node's
   * address and the node port (e.g. `http://node1.example:30888`): the client `.sources` must
   * not name the Service's in-cluster DNS name, which machines outside the cluster cannot
   * resolve, and synth refuses a NodePort without it (unless an Ingress gives the URL).
   * @default ServingServiceType.clusterIp()
   */
  readonly serviceType?: ServingServiceType;
  /**
   * The cluster's NodePort range (kube-apiserver `--service-node-port-range`): a node port
   * chosen with `ServingServiceType.nodePort(port)` must lie in it. Set it for clusters with a
   * custom range, e.g. `{ min: 8000, max: 9000 }` to serve on node port 8888 like the seed.
   * @default - { min: 30000, max: 32767 }, the Kubernetes default
   */
  readonly nodePortRange?: ServingNodePortRange;
  /**
   * Port of the Service; it forwards to nginx's 8080. The seed's Service used 8888: set
   * `servicePort: 8888` to keep URLs of the seed that name the Service and its port. Not the
   * node port (see `ServingServiceType.nodePort`).
   * @default 80
   */
  readonly servicePort?: number;
  /**
   * An Ingress for the Service.
   * @default - no Ingress
   */
  readonly ingress?: ServingIngressOptions;
  /**
   * Resources of the nginx container.
   * @default - see `ServingResourcesOptions`
   */
  readonly resources?: ServingResourcesOptions;
  /**
   * Node selector of the serving pods.
   * @default - none
   */
  readonly nodeSelector?: { [key: string]: string };
  /**
   * Tolerations of the serving pods.
   * @default - none
   */
  readonly tolerations?: k8s.Toleration[];
  /**
   * Directory listings.
   * @default true
   */
  readonly autoindex?: boolean;
  /**
   * Access log format.
   * @default AccessLog.json()
   */
  readonly accessLog?: AccessLog;
  /**
   * nginx worker processes.
   * @default 2
   */
  readonly workerProcesses?: number;
  /**
   * Also listen on IPv6 (`[::]:8080`).
   * @default false
   */
  readonly listenIpv6?: boolean;
  /**
   * The NetworkPolicy.
   * @default - enabled, ingress from anywhere on 8080, no egress
   */
  readonly networkPolicy?: ServingNetworkPolicyOptions;
  /**
   * DNS domain of the cluster, for the Service's name in the client `.sources`.
   * @default 'cluster.local'
   */
  readonly clusterDomain?: string;
  /**
   * `priorityClassName` of the serving pods.
   * @default - none
   */
  readonly priorityClassName?: string;
}
