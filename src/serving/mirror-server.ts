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
import { ServingOptions } from './serving-options';

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

/**
 * Serves the mirror: the hardened nginx config in a ConfigMap, the nginx Deployment on the
 * built image, its Service, an optional Ingress, a PodDisruptionBudget and a NetworkPolicy.
 *
 * @example
 * new MirrorServer(chart, 'server', {
 *   name: 'mirror',
 *   imageRef: 'registry.example.com/mini-mirror:0123abcd',
 *   readinessPath: '/debian/dists/bookworm/InRelease',
 *   labels: { 'app.kubernetes.io/name': 'mini-mirror', 'app.kubernetes.io/instance': 'mirror', 'app.kubernetes.io/component': 'server' },
 *   serviceType: ServingServiceType.nodePort(30888),
 * });
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
  /** The PodDisruptionBudget. */
  public readonly podDisruptionBudget: k8s.KubePodDisruptionBudget;
  /** The NetworkPolicy, unless disabled. */
  public readonly networkPolicy?: k8s.KubeNetworkPolicy;
  /** `metadata.name` of the Service (and Deployment, PDB, NetworkPolicy, Ingress). */
  public readonly serviceName: string;
  /** Port of the Service. */
  public readonly servicePort: number;
  /** Namespace the Service lives in (the chart's, else `default`). */
  public readonly serviceNamespace: string;
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
    this.serviceNamespace = Chart.of(this).namespace ?? 'default';
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
      type: props.serviceType ?? ServingServiceType.clusterIp(),
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

    this.podDisruptionBudget = serverDisruptionBudget(this, 'pdb', { ...common, name: this.serviceName, selector: this.selector });

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
   * (with `:<port>` unless the port is 80; the cluster domain is `clusterDomain`).
   * @example server.serviceUrl() // 'http://mirror-server.default.svc.cluster.local'
   */
  public serviceUrl(): string {
    const port = this.servicePort === 80 ? '' : `:${this.servicePort}`;
    return `http://${this.serviceName}.${this.serviceNamespace}.svc.${this.clusterDomain}${port}`;
  }
}
