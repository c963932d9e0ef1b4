import { Chart, Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { NginxConfig } from './nginx-config';
import { serverDeployment } from './server-deployment';
import { serverDisruptionBudget } from './server-disruption-budget';
import { serverIngress } from './server-ingress';
import { serverNetworkPolicy } from './server-network-policy';
import { serverService } from './server-service';
import { ServingServiceType } from './service-type';
import { ServingNodePortRange, ServingOptions } from './serving-options';

/**
 * Props for `MirrorServer`.
 */
export interface MirrorServerProps extends ServingOptions {
  /** Base name of the objects (`<name>-server`, `<name>-nginx`). */
  readonly name: string;
  /** The serving image (the tree baked onto nginx-unprivileged). */
  readonly imageRef: string;
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
   * How long a rollout may wait for its pods (`progressDeadlineSeconds`): the new image only
   * exists once the build Job has pushed it, so `kubectl rollout status` must not give up first.
   * @default Duration.minutes(10) (the Kubernetes default)
   */
  readonly progressDeadline?: Duration;
}

const SELECTOR_KEYS = ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/component'];
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** The Kubernetes default of kube-apiserver `--service-node-port-range`. */
const DEFAULT_NODE_PORT_RANGE: ServingNodePortRange = { min: 30000, max: 32767 };

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
  public readonly configMap: k8s.KubeConfigMap;
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
    const replicas = props.replicas ?? 2;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 100) throw new Error(`serving replicas must be a whole number from 1 to 100, got ${replicas}`);
    this.servicePort = props.servicePort ?? 80;
    if (!Number.isInteger(this.servicePort) || this.servicePort < 1 || this.servicePort > 65535) {
      throw new Error(`servicePort must be a whole number from 1 to 65535, got ${this.servicePort}`);
    }
    if (!props.readinessPath.startsWith('/')) throw new Error(`readinessPath "${props.readinessPath}" must start with /`);
    this.serviceName = `${props.name}-server`;
    // Service names are DNS-1035 labels: a base name starting with a digit cannot name one.
    if (!DNS_1035.test(this.serviceName)) throw new Error(`name "${props.name}" must start with a letter to name a Service: set the name prop`);
    this.serviceNamespace = Chart.of(this).namespace;
    this.serviceType = props.serviceType ?? ServingServiceType.clusterIp();
    checkNodePort(this.serviceType, props.nodePortRange);
    this.clusterDomain = props.clusterDomain ?? 'cluster.local';
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(this.clusterDomain)) {
      throw new Error(`clusterDomain "${this.clusterDomain}" is not a DNS name (e.g. cluster.local)`);
    }
    this.selector = {};
    for (const key of SELECTOR_KEYS) {
      const value = props.labels[key];
      if (value === undefined) throw new Error(`labels must include ${key} (it selects the serving pods)`);
      this.selector[key] = value;
    }
    const common = { labels: props.labels, annotations: props.annotations };

    this.nginxConfig = new NginxConfig({
      autoindex: props.autoindex,
      accessLog: props.accessLog,
      workerProcesses: props.workerProcesses,
      listenIpv6: props.listenIpv6,
    });
    const configMapName = `${props.name}-nginx`;
    // A stable name, not a hashed one: old pods of a rollout keep their (identical) mount, and the
    // pod template's config-hash annotation rolls the pods whenever the content changes.
    this.configMap = new k8s.KubeConfigMap(this, 'nginx-config', {
      metadata: { name: configMapName, ...common },
      data: { [NginxConfig.FILE_NAME]: this.nginxConfig.text },
    });

    this.deployment = serverDeployment(this, 'deployment', {
      ...common,
      name: this.serviceName,
      selector: this.selector,
      imageRef: props.imageRef,
      pullSecretName: props.pullSecretName,
      replicas,
      configMapName,
      configHash: this.nginxConfig.hash,
      readinessPath: props.readinessPath,
      progressDeadlineSeconds: props.progressDeadline?.toSeconds() ?? 600,
      resources: props.resources,
      nodeSelector: props.nodeSelector,
      tolerations: props.tolerations,
      priorityClassName: props.priorityClassName,
    });

    this.service = serverService(this, 'service', {
      ...common,
      name: this.serviceName,
      selector: this.selector,
      type: this.serviceType,
      port: this.servicePort,
    });

    if (props.ingress) {
      this.ingress = serverIngress(this, 'ingress', {
        ...common,
        name: this.serviceName,
        ingress: props.ingress,
        serviceName: this.serviceName,
        servicePort: this.servicePort,
      });
    }

    // With one replica a budget either allows evicting the only pod (maxUnavailable: 1) or
    // blocks every drain of its node forever (minAvailable: 1): none is better than either.
    if (replicas >= 2) {
      this.podDisruptionBudget = serverDisruptionBudget(this, 'pdb', { ...common, name: this.serviceName, selector: this.selector });
    }

    if (props.networkPolicy?.enabled ?? true) {
      this.networkPolicy = serverNetworkPolicy(this, 'network-policy', {
        ...common,
        name: this.serviceName,
        selector: this.selector,
        options: props.networkPolicy ?? {},
        smokeTestSelector: props.smokeTestSelector,
      });
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
    const port = this.servicePort === 80 ? '' : `:${this.servicePort}`;
    const host = this.serviceNamespace === undefined
      ? this.serviceName
      : `${this.serviceName}.${this.serviceNamespace}.svc.${this.clusterDomain}`;
    return `http://${host}${port}`;
  }
}

/** A chosen node port must lie in the cluster's NodePort range. */
function checkNodePort(type: ServingServiceType, range: ServingNodePortRange | undefined): void {
  if (range !== undefined) {
    const { min, max } = range;
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 65535 || min > max) {
      throw new Error(`nodePortRange ${min}-${max} is not a port range: give whole numbers with 1 <= min <= max <= 65535, as in kube-apiserver --service-node-port-range`);
    }
  }
  const port = type.chosenNodePort;
  if (port === undefined) return;
  const { min, max } = range ?? DEFAULT_NODE_PORT_RANGE;
  if (port < min || port > max) {
    throw new Error(range === undefined
      ? `nodePort ${port} is outside the default NodePort range ${min}-${max}: pick a port in it (e.g. ServingServiceType.nodePort(30888)), or, if your cluster's kube-apiserver --service-node-port-range includes ${port}, set serving.nodePortRange to that range`
      : `nodePort ${port} is outside serving.nodePortRange ${min}-${max}: pick a port in the range, or correct nodePortRange to the cluster's --service-node-port-range`);
  }
}
