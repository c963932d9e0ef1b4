import { ApiObject, Chart, Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { NginxConfig } from './nginx-config';
import { checkNodePort, checkPort } from './ports';
import { serverDeployment } from './server-deployment';
import { serverDisruptionBudget } from './server-disruption-budget';
import { serverIngress } from './server-ingress';
import { serverNetworkPolicy } from './server-network-policy';
import { serverService } from './server-service';
import { ServingServiceType } from './service-type';
import { inClusterServiceUrl } from './service-url';
import { ServingOptions } from './serving-options';
import { checkWholeNumber } from '../util/checks';
import { configMap } from '../util/config-map';
import { DNS_LABEL, DNS_SUBDOMAIN } from '../util/k8s-names';

/**
 * Props for `MirrorServer`.
 */
export interface MirrorServerProps extends ServingOptions {
  /** Base name of the objects (`<name>-server`, `<name>-nginx`). */
  readonly name: string;
  /** The serving image (the tree baked onto nginx-unprivileged). */
  readonly imageRef: string;
  /**
   * Digest of the serving image (`sha256:` and 64 hex digits): the pods run
   * `<repository of imageRef>@<digest>`.
   * @default - the pods run `imageRef` with `imagePullPolicy: Always`
   */
  readonly imageDigest?: string;
  /**
   * Path of a file of the tree that exists only once the tree is complete, for the readiness
   * probe, e.g. `/debian/dists/bookworm/InRelease`.
   */
  readonly readinessPath: string;
  /**
   * Secret with pull credentials (`imagePullSecrets`).
   * @default - none
   */
  readonly pullSecretName?: string;
  /**
   * Labels of every object; the pods are selected by the `app.kubernetes.io/name`, `instance`
   * and `component` labels among them.
   */
  readonly labels: { [key: string]: string };
  /**
   * Annotations of every object (and pod).
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
  /**
   * Labels of the smoke-test pods, allowed through a restricted NetworkPolicy.
   * @default - none
   */
  readonly smokeTestSelector?: { [key: string]: string };
  /**
   * Labels of the build pods, allowed through a restricted NetworkPolicy (the build reads the
   * served manifest.json to refuse downgrades).
   * @default - none
   */
  readonly buildSelector?: { [key: string]: string };
  /**
   * How long a rollout may wait for its pods (`progressDeadlineSeconds`): the new image only
   * exists once the build Job has pushed it, so `kubectl rollout status` must not give up first.
   * @default Duration.minutes(10) (the Kubernetes default)
   */
  readonly progressDeadline?: Duration;
}

const SELECTOR_KEYS = ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/component'];

/**
 * Serves the mirror: the hardened nginx config in a ConfigMap, the nginx Deployment on the
 * built image, its Service, an optional Ingress, a PodDisruptionBudget (with 2 or more replicas)
 * and a NetworkPolicy.
 *
 * @example
 * new MirrorServer(chart, 'server', {
 *   name: 'mirror',
 *   imageRef: 'registry.example.com/mini-mirror:0123abcd',
 *   readinessPath: '/debian/dists/bookworm/InRelease',
 *   labels: { 'app.kubernetes.io/name': 'mini-mirror', 'app.kubernetes.io/instance': 'mirror', 'app.kubernetes.io/component': 'server' },
 *   serviceType: ServingServiceType.nodePort(30888),
 * });
 * // clients outside the cluster: http://<a node's address>:30888 (e.g. clients.baseUrl of MiniMirror)
 */
export class MirrorServer extends Construct {
  /** The rendered nginx configuration. */
  public readonly nginxConfig: NginxConfig;
  /** The ConfigMap holding `nginx.conf`. */
  public readonly configMap: ApiObject;
  /** The nginx Deployment. */
  public readonly deployment: k8s.KubeDeployment;
  /** The Service. */
  public readonly service: k8s.KubeService;
  /** The Ingress, when configured. */
  public readonly ingress?: k8s.KubeIngress;
  /**
   * The PodDisruptionBudget, with 2 or more replicas (with 1 it could only block node drains or
   * allow evicting the only pod, so there is none).
   */
  public readonly podDisruptionBudget?: k8s.KubePodDisruptionBudget;
  /** The NetworkPolicy, unless disabled. */
  public readonly networkPolicy?: k8s.KubeNetworkPolicy;
  /** `metadata.name` of the Service (and Deployment, PDB, NetworkPolicy, Ingress). */
  public readonly serviceName: string;
  /** Port of the Service. */
  public readonly servicePort: number;
  /** Type of the Service (and the node port chosen, if any). */
  public readonly serviceType: ServingServiceType;
  /**
   * Namespace the Service lives in: the chart's. Undefined when the chart sets none: the
   * objects then land in whatever namespace they are applied to (`kubectl -n`).
   */
  public readonly serviceNamespace?: string;
  /** Labels that select the serving pods. */
  public readonly selector: { [key: string]: string };
  private readonly clusterDomain: string;

  public constructor(scope: Construct, id: string, props: MirrorServerProps) {
    super(scope, id);
    const replicas = checkWholeNumber('serving replicas', props.replicas ?? 2, 1, 100);
    this.servicePort = checkPort('servicePort', props.servicePort ?? 80);
    if (!props.readinessPath.startsWith('/')) throw new Error(`readinessPath "${props.readinessPath}" must start with /`);
    this.serviceName = serviceNameOf(props.name);
    this.serviceNamespace = Chart.of(this).namespace;
    this.serviceType = props.serviceType ?? ServingServiceType.clusterIp();
    checkNodePort(this.serviceType.chosenNodePort, props.nodePortRange);
    this.clusterDomain = props.clusterDomain ?? 'cluster.local';
    if (!DNS_SUBDOMAIN.test(this.clusterDomain)) throw new Error(`clusterDomain "${this.clusterDomain}" is not a DNS name (e.g. cluster.local)`);
    this.selector = podSelector(props.labels);
    // Every object is named after the Service and labelled alike.
    const server = { name: this.serviceName, labels: props.labels, annotations: props.annotations, selector: this.selector };

    this.nginxConfig = new NginxConfig({
      autoindex: props.autoindex,
      accessLog: props.accessLog,
      workerProcesses: props.workerProcesses,
      listenIpv6: props.listenIpv6,
    });
    const configMapName = `${props.name}-nginx`;
    // A stable name, not a hashed one: old pods of a rollout keep their (identical) mount, and the
    // pod template's config-hash annotation rolls the pods whenever the content changes.
    this.configMap = configMap(this, 'nginx-config', {
      name: configMapName,
      labels: props.labels,
      annotations: props.annotations,
      data: { [NginxConfig.FILE_NAME]: this.nginxConfig.text },
    });
    this.deployment = serverDeployment(this, 'deployment', {
      ...props, // image, readiness path, resources and scheduling as given
      ...server,
      replicas,
      configMapName,
      configHash: this.nginxConfig.hash,
      progressDeadlineSeconds: props.progressDeadline?.toSeconds() ?? 600,
    });
    this.service = serverService(this, 'service', { ...server, type: this.serviceType, port: this.servicePort });
    this.ingress = props.ingress && serverIngress(this, 'ingress', { ...server, ingress: props.ingress, serviceName: this.serviceName, servicePort: this.servicePort });
    // With one replica a budget either allows evicting the only pod (maxUnavailable: 1) or
    // blocks every drain of its node forever (minAvailable: 1): none is better than either.
    if (replicas >= 2) this.podDisruptionBudget = serverDisruptionBudget(this, 'pdb', server);
    if (props.networkPolicy?.enabled ?? true) {
      this.networkPolicy = serverNetworkPolicy(this, 'network-policy', { ...server, options: props.networkPolicy ?? {}, smokeTestSelector: props.smokeTestSelector, buildSelector: props.buildSelector });
    }
  }

  /**
   * The in-cluster base URL of the Service, e.g. `http://mirror-server.apt.svc.cluster.local`
   * (with `:<port>` unless the port is 80; the cluster domain is `clusterDomain`). When the
   * chart sets no namespace it is the Service's bare name, e.g. `http://mirror-server`, which
   * resolves only in pods of the namespace the objects are applied to (as the smoke test's).
   * @example server.serviceUrl() // 'http://mirror-server.apt-mirror.svc.cluster.local'
   */
  public serviceUrl(): string {
    return inClusterServiceUrl(this.serviceName, this.serviceNamespace, this.servicePort, this.clusterDomain);
  }
}

/** `<name>-server`: Service names are DNS-1035 labels, so a base name starting with a digit cannot name one. */
function serviceNameOf(name: string): string {
  const serviceName = `${name}-server`;
  if (!DNS_LABEL.test(serviceName) || !/^[a-z]/.test(serviceName)) throw new Error(`name "${name}" must start with a letter to name a Service: set the name prop`);
  return serviceName;
}

/** The labels among `labels` that select the serving pods; all of them must be there. */
function podSelector(labels: { [key: string]: string }): { [key: string]: string } {
  const selector: { [key: string]: string } = {};
  for (const key of SELECTOR_KEYS) {
    const value = labels[key];
    if (value === undefined) throw new Error(`labels must include ${key} (it selects the serving pods)`);
    selector[key] = value;
  }
  return selector;
}
