import { Duration } from 'cdk8s';
import { objectOf, objectsOf, synthMirror, withoutBuildHashes } from './fixtures';
import { AccessLog, NginxConfig, ServingServiceType } from '../../src';
import { errorOf } from '../support/tree';

const SERVER = 'mirror-server';

function deploymentOf(manifests: any[]) {
  return objectOf(manifests, 'Deployment', SERVER);
}

describe('GIVEN a signed mirror with default serving options', () => {
  const { manifests, mirror } = synthMirror();
  const deployment = deploymentOf(manifests);
  const pod = deployment.spec.template.spec;
  const nginx = pod.containers[0];

  test('THEN the serving objects are as in the snapshot', () => {
    const serving = manifests.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'server');
    expect(serving.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ConfigMap/mirror-nginx', 'Deployment/mirror-server', 'Service/mirror-server',
      'PodDisruptionBudget/mirror-server', 'NetworkPolicy/mirror-server',
    ]);
    expect(withoutBuildHashes(serving, mirror)).toMatchSnapshot();
  });

  test('THEN nginx runs the built image by tag, pulled on every start (a tag can be moved; image.digest pins it)', () => {
    expect(nginx.image).toBe(mirror.imageRef);
    expect(nginx.image).toBe(`registry.example.com/platform/mini-mirror:${mirror.contentHash.slice(0, 20)}`);
    expect(nginx.imagePullPolicy).toBe('Always');
    expect(pod.imagePullSecrets).toEqual([{ name: 'registry-pull' }]);
  });

  test('THEN nginx runs the mounted config, not the image entrypoint', () => {
    expect(nginx.command).toEqual(['nginx', '-e', 'stderr', '-c', '/etc/mini-mirror/nginx/nginx.conf', '-g', 'daemon off;']);
    expect(nginx.args).toBeUndefined();
    expect(nginx.volumeMounts).toContainEqual({ name: 'nginx-config', mountPath: '/etc/mini-mirror/nginx', readOnly: true });
    expect(pod.volumes).toContainEqual({ name: 'nginx-config', configMap: { name: 'mirror-nginx', defaultMode: 0o444 } });
  });

  test('THEN two replicas roll out without ever going below two ready pods', () => {
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
  });

  test('THEN a rollout waits as long as the build may take (the image appears only when it is pushed)', () => {
    expect(deploymentOf(manifests).spec.progressDeadlineSeconds).toBe(6 * 3600 + 1800);
    const shorter = synthMirror({ props: { buildJob: { activeDeadline: Duration.hours(1) } } }).manifests;
    expect(deploymentOf(shorter).spec.progressDeadlineSeconds).toBe(3600 + 1800);
  });

  test('THEN readiness needs a real index file of the tree, liveness only nginx', () => {
    expect(nginx.readinessProbe.httpGet).toEqual({ path: '/debian/dists/bookworm/InRelease', port: 'http' });
    expect(nginx.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
  });

  test('THEN a terminating pod leaves the endpoints before nginx stops', () => {
    expect(nginx.lifecycle.preStop).toEqual({ exec: { command: ['/bin/sh', '-c', 'sleep 5'] } });
    expect(pod.terminationGracePeriodSeconds).toBe(30);
  });

  test('THEN the pod is locked down (restricted) and has only /tmp writable', () => {
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 101, runAsGroup: 101, seccompProfile: { type: 'RuntimeDefault' } });
    expect(nginx.securityContext).toMatchObject({
      runAsNonRoot: true, runAsUser: 101, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
    });
    expect(nginx.volumeMounts.filter((m: any) => !m.readOnly)).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
  });

  test('THEN requests and limits are set', () => {
    expect(nginx.resources).toEqual({ requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } });
  });

  test('THEN replicas spread over nodes (preferred, so one node still runs them all)', () => {
    const term = pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0];
    expect(term.podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
    expect(term.podAffinityTerm.labelSelector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(pod.topologySpreadConstraints.map((c: any) => [c.topologyKey, c.whenUnsatisfiable])).toEqual([
      ['kubernetes.io/hostname', 'ScheduleAnyway'], ['topology.kubernetes.io/zone', 'ScheduleAnyway'],
    ]);
  });

  test('THEN the pod template carries the nginx config hash', () => {
    const config = objectOf(manifests, 'ConfigMap', 'mirror-nginx').data['nginx.conf'];
    expect(config).toBe(mirror.server.nginxConfig.text);
    expect(deployment.spec.template.metadata.annotations['mini-mirror/nginx-config-hash']).toBe(mirror.server.nginxConfig.hash.slice(0, 20));
  });

  test('THEN the Service forwards port 80 to nginx on 8080 inside the cluster', () => {
    const service = objectOf(manifests, 'Service', SERVER);
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 80, targetPort: 'http' }]);
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(nginx.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(mirror.server.serviceUrl()).toBe('http://mirror-server.apt-mirror.svc.cluster.local');
  });

  test('THEN one pod at most may be evicted, unhealthy ones always', () => {
    const pdb = objectOf(manifests, 'PodDisruptionBudget', SERVER);
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: deployment.spec.selector });
    expect(mirror.server.podDisruptionBudget).toBeDefined();
  });

  test('THEN the NetworkPolicy admits TCP 8080 from anywhere and no egress', () => {
    const policy = objectOf(manifests, 'NetworkPolicy', SERVER);
    expect(policy.spec.podSelector).toEqual(deployment.spec.selector);
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: 8080 }] }]);
    expect(policy.spec.egress ?? []).toEqual([]);
  });

  test('THEN there is no Ingress and no insecure annotation', () => {
    expect(objectsOf(manifests, 'Ingress')).toEqual([]);
    expect(JSON.stringify(manifests)).not.toContain('mini-mirror/insecure');
  });
});

describe('GIVEN an unsigned mirror', () => {
  const { manifests } = synthMirror({ signed: false, props: { serving: { ingress: { host: 'apt.example.com' } } } });

  test('THEN every object and pod carries the insecure annotation', () => {
    for (const obj of manifests) {
      expect([obj.kind, obj.metadata.name, obj.metadata.annotations?.['mini-mirror/insecure']]).toEqual([obj.kind, obj.metadata.name, expect.stringContaining('NOT signed')]);
      if (obj.spec?.template) expect(obj.spec.template.metadata.annotations['mini-mirror/insecure']).toContain('NOT signed');
    }
  });

  test('THEN readiness probes the unsigned Release', () => {
    expect(deploymentOf(manifests).spec.template.spec.containers[0].readinessProbe.httpGet.path).toBe('/debian/dists/bookworm/Release');
  });
});

/** The smoke test's settings ConfigMap (service-url, client-url, ...). */
function smokeSettingsOf(manifests: any[]): { [key: string]: string } {
  const found = objectsOf(manifests, 'ConfigMap').filter((o) => o.data?.['service-url'] !== undefined);
  expect(found).toHaveLength(1);
  return found[0].data;
}

describe('GIVEN serving options', () => {
  test('NodePort with a chosen port and the seed\'s Service port: clients use the node address, the smoke test the Service', () => {
    const { manifests, mirror } = synthMirror({
      props: { serving: { serviceType: ServingServiceType.nodePort(30888), servicePort: 8888 }, clients: { baseUrl: 'http://node1.example:30888' } },
    });
    const service = objectOf(manifests, 'Service', SERVER);
    expect(service.spec.type).toBe('NodePort');
    expect(service.spec.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 8888, targetPort: 'http', nodePort: 30888 }]);
    expect(mirror.baseUrl).toBe('http://node1.example:30888');
    expect(objectOf(manifests, 'ConfigMap', 'mirror-client').data['debian-bookworm.sources']).toContain('URIs: http://node1.example:30888/debian\n');
    expect(smokeSettingsOf(manifests)).toMatchObject({
      'service-url': 'http://mirror-server.apt-mirror.svc.cluster.local:8888\n',
      'client-url': 'http://node1.example:30888\n',
    });
  });

  test('NodePort without a client base URL is refused: outside the cluster the Service name does not resolve', () => {
    expect(errorOf(() => synthMirror({ props: { serving: { serviceType: ServingServiceType.nodePort(30888) } } }))).toBe(
      'the Service is a NodePort for clients outside the cluster, but the client .sources would use its in-cluster URL http://mirror-server.apt-mirror.svc.cluster.local, which they cannot resolve: '
      + 'set clients.baseUrl to a node\'s address and the node port (e.g. http://node1.example:30888), or use serving.ingress');
    expect(errorOf(() => synthMirror({ props: { serving: { serviceType: ServingServiceType.nodePort() } } }))).toContain(
      '(e.g. http://node1.example:30888, with ServingServiceType.nodePort(30888) so the port is known)');
  });

  test('NodePort behind an Ingress: clients use the Ingress', () => {
    const { mirror } = synthMirror({ props: { serving: { serviceType: ServingServiceType.nodePort(30888), ingress: { host: 'apt.example.com' } } } });
    expect(mirror.baseUrl).toBe('http://apt.example.com');
  });

  test('a node port outside the default range needs the cluster\'s range (the seed\'s 8888)', () => {
    const nodePort = ServingServiceType.nodePort(8888);
    expect(errorOf(() => synthMirror({ props: { serving: { serviceType: nodePort }, clients: { baseUrl: 'http://node1.example:8888' } } }))).toBe(
      'nodePort 8888 is outside the default NodePort range 30000-32767: pick a port in it (e.g. ServingServiceType.nodePort(30888)), '
      + 'or, if your cluster\'s kube-apiserver --service-node-port-range includes 8888, set serving.nodePortRange to that range');
    const { manifests } = synthMirror({
      props: { serving: { serviceType: nodePort, nodePortRange: { min: 8000, max: 9000 } }, clients: { baseUrl: 'http://node1.example:8888' } },
    });
    expect(objectOf(manifests, 'Service', SERVER).spec.ports[0].nodePort).toBe(8888);
    expect(errorOf(() => synthMirror({
      props: { serving: { serviceType: ServingServiceType.nodePort(30888), nodePortRange: { min: 8000, max: 9000 } }, clients: { baseUrl: 'http://node1.example:30888' } },
    }))).toBe('nodePort 30888 is outside serving.nodePortRange 8000-9000: pick a port in the range, or correct nodePortRange to the cluster\'s --service-node-port-range');
  });

  test('LoadBalancer, and NodePort with a port Kubernetes picks', () => {
    expect(objectOf(synthMirror({ props: { serving: { serviceType: ServingServiceType.loadBalancer() } } }).manifests, 'Service', SERVER).spec.type).toBe('LoadBalancer');
    const port = objectOf(synthMirror({
      props: { serving: { serviceType: ServingServiceType.nodePort() }, clients: { baseUrl: 'http://node1.example:31000' } },
    }).manifests, 'Service', SERVER).spec.ports[0];
    expect(port.nodePort).toBeUndefined();
  });

  test('one replica: no PodDisruptionBudget (it could only block drains or allow evicting the only pod)', () => {
    const { manifests, mirror } = synthMirror({ props: { serving: { replicas: 1 } } });
    expect(deploymentOf(manifests).spec.replicas).toBe(1);
    expect(objectsOf(manifests, 'PodDisruptionBudget')).toEqual([]);
    expect(mirror.server.podDisruptionBudget).toBeUndefined();
    expect(objectsOf(synthMirror({ props: { serving: { replicas: 2 } } }).manifests, 'PodDisruptionBudget')).toHaveLength(1);
  });

  test('Ingress with TLS, class and annotations', () => {
    const { manifests, mirror } = synthMirror({
      props: { serving: { ingress: { host: 'apt.example.com', ingressClassName: 'nginx', tlsSecretName: 'apt-tls', annotations: { 'cert-manager.io/cluster-issuer': 'internal' } } } },
    });
    const ingress = objectOf(manifests, 'Ingress', SERVER);
    expect(ingress.metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'internal' });
    expect(ingress.spec).toEqual({
      ingressClassName: 'nginx',
      tls: [{ hosts: ['apt.example.com'], secretName: 'apt-tls' }],
      rules: [{ host: 'apt.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: SERVER, port: { number: 80 } } } }] } }],
    });
    expect(mirror.baseUrl).toBe('https://apt.example.com');
    expect(mirror.server.ingress).toBeDefined();
  });

  test('replicas, resources, node selector, tolerations, priority class', () => {
    const { manifests } = synthMirror({
      props: {
        serving: {
          replicas: 3,
          resources: { cpuRequest: '250m', memoryRequest: '128Mi', cpuLimit: '2', memoryLimit: '512Mi' },
          nodeSelector: { 'node-role.kubernetes.io/infra': '' },
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }],
          priorityClassName: 'infra-critical',
        },
      },
    });
    const deployment = deploymentOf(manifests);
    const pod = deployment.spec.template.spec;
    expect(deployment.spec.replicas).toBe(3);
    expect(pod.containers[0].resources).toEqual({ requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '2', memory: '512Mi' } });
    expect(pod.nodeSelector).toEqual({ 'node-role.kubernetes.io/infra': '' });
    expect(pod.tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }]);
    expect(pod.priorityClassName).toBe('infra-critical');
  });

  test('a config change changes the pod template (the pods roll)', () => {
    const a = deploymentOf(synthMirror().manifests).spec.template.metadata.annotations['mini-mirror/nginx-config-hash'];
    const b = deploymentOf(synthMirror({ props: { serving: { autoindex: false } } }).manifests).spec.template.metadata.annotations['mini-mirror/nginx-config-hash'];
    expect(a).not.toBe(b);
  });

  test('restricted NetworkPolicy peers keep the ingress controller, the smoke test and the build (it reads the served manifest.json)', () => {
    const { manifests } = synthMirror({
      props: { serving: { networkPolicy: { ingressControllerNamespace: 'ingress-nginx', allowFrom: [{ namespaceSelector: { matchLabels: { team: 'platform' } } }] } } },
    });
    expect(objectOf(manifests, 'NetworkPolicy', SERVER).spec.ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { team: 'platform' } } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
      { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'mini-mirror', 'app.kubernetes.io/instance': 'mirror', 'app.kubernetes.io/component': 'smoke-test' } } },
      { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'mini-mirror', 'app.kubernetes.io/instance': 'mirror', 'app.kubernetes.io/component': 'build' } } },
    ]);
  });

  test('the NetworkPolicy can be left out', () => {
    const { manifests, mirror } = synthMirror({ props: { serving: { networkPolicy: { enabled: false } } } });
    expect(objectsOf(manifests, 'NetworkPolicy')).toEqual([]);
    expect(mirror.server.networkPolicy).toBeUndefined();
  });

  test('no namespace on the chart and no client base URL: refused, the .sources would name no namespace', () => {
    expect(errorOf(() => synthMirror({ namespace: null }))).toBe(
      'the chart sets no namespace, so the client .sources would name the Service without one (http://mirror-server resolves only inside the namespace the objects are applied to): '
      + 'set namespace on the Chart (e.g. new Chart(app, \'mirror\', { namespace: \'apt-mirror\' })), or set clients.baseUrl');
    expect(errorOf(() => synthMirror({ namespace: null, props: { serving: { servicePort: 8888 }, smokeTest: { enabled: false } } }))).toContain('(http://mirror-server:8888 resolves only');
  });

  test('no namespace on the chart with a client base URL or an Ingress: the smoke test names the Service relative to its own namespace', () => {
    for (const props of [{ clients: { baseUrl: 'http://apt.example.com' } }, { serving: { ingress: { host: 'apt.example.com' } } }]) {
      const { manifests, mirror } = synthMirror({ namespace: null, props });
      expect(mirror.baseUrl).toBe('http://apt.example.com');
      expect(mirror.server.serviceNamespace).toBeUndefined();
      expect(smokeSettingsOf(manifests)['service-url']).toBe('http://mirror-server\n');
    }
  });

  test('the namespace of the chart names the Service', () => {
    const { mirror } = synthMirror({ namespace: 'default' });
    expect(mirror.server.serviceNamespace).toBe('default');
    expect(mirror.baseUrl).toBe('http://mirror-server.default.svc.cluster.local');
  });

  test('another cluster domain', () => {
    expect(synthMirror({ props: { serving: { clusterDomain: 'k8s.internal' } } }).mirror.baseUrl).toBe('http://mirror-server.apt-mirror.svc.k8s.internal');
  });
});

describe('GIVEN invalid serving options THEN synth fails with a message', () => {
  test.each([
    [{ replicas: 0 }, 'serving replicas must be a whole number from 1 to 100, got 0'],
    [{ servicePort: 70000 }, 'servicePort must be a whole number from 1 to 65535, got 70000'],
    [{ ingress: { host: 'https://apt.example.com' } }, 'ingress host "https://apt.example.com" is not a DNS name'],
    [{ resources: { memoryLimit: '1 GB' } }, 'serving resources memoryLimit "1 GB" is not a Kubernetes quantity'],
    [{ networkPolicy: { ingressControllerNamespace: 'Ingress_Nginx' } }, 'networkPolicy ingressControllerNamespace "Ingress_Nginx" is not a namespace name'],
    [{ workerProcesses: 0 }, 'workerProcesses must be a whole number from 1 to 64, got 0'],
    [{ clusterDomain: 'cluster.local.' }, 'clusterDomain "cluster.local." is not a DNS name'],
  ])('%j', (serving, message) => {
    expect(errorOf(() => synthMirror({ props: { serving: serving as any } }))).toContain(message);
  });

  test('a node port that is no port', () => {
    expect(errorOf(() => ServingServiceType.nodePort(0))).toBe('nodePort must be a whole number from 1 to 65535 (and in the cluster\'s NodePort range), got 0');
    expect(errorOf(() => ServingServiceType.nodePort(30888.5))).toContain('got 30888.5');
    expect(() => ServingServiceType.nodePort(8888)).not.toThrow();
  });

  test.each([
    [{ min: 32767, max: 30000 }, '32767-30000'],
    [{ min: 0, max: 100 }, '0-100'],
    [{ min: 30000, max: 70000 }, '30000-70000'],
    [{ min: 30000.5, max: 32767 }, '30000.5-32767'],
  ])('a node port range that is no range (%j)', (nodePortRange, shown) => {
    expect(errorOf(() => synthMirror({ props: { serving: { nodePortRange } } }))).toBe(
      `nodePortRange ${shown} is not a port range: give whole numbers with 1 <= min <= max <= 65535, as in kube-apiserver --service-node-port-range`);
  });

  test('a base name that cannot name a Service', () => {
    expect(errorOf(() => synthMirror({ props: { name: '1mirror' } }))).toBe('name "1mirror" must start with a letter to name a Service: set the name prop');
  });
});

describe('NginxConfig', () => {
  test('defaults', () => {
    const text = new NginxConfig().text;
    expect(text).not.toMatch(/\{\{|\}\}/);
    expect(text).toContain('worker_processes 2;');
    expect(text).toContain('autoindex on;');
    expect(text).toContain('access_log /dev/stdout mirror_json;');
    expect(text).toContain('listen 8080 default_server;');
    expect(text).not.toContain('[::]');
    expect(text).toContain('root /srv/mirror;');
    expect(text).toContain('pid /tmp/nginx.pid;');
    expect(text).toContain('server_tokens off;');
    expect(text).toContain('escape=json');
  });

  test('options', () => {
    const options = { autoindex: false, accessLog: AccessLog.off(), workerProcesses: 4, workerConnections: 4096, listenIpv6: true };
    const text = new NginxConfig(options).text;
    expect(text).toContain('autoindex off;');
    expect(text).toContain('access_log off;');
    expect(text).toContain('worker_processes 4;');
    expect(text).toContain('worker_connections 4096;');
    expect(text).toContain('        listen [::]:8080 default_server;\n');
    expect(new NginxConfig({ accessLog: AccessLog.combined() }).text).toContain('access_log /dev/stdout combined;');
  });

  test('the hash follows the text', () => {
    expect(new NginxConfig().hash).toBe(new NginxConfig({ autoindex: true }).hash);
    expect(new NginxConfig().hash).not.toBe(new NginxConfig({ workerProcesses: 3 }).hash);
  });
});
