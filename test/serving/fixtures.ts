import { Chart, Testing } from 'cdk8s';
import {
  ImageBuilder, MiniMirror, MiniMirrorProps, MirrorSource, ReleaseSigning, ServingServiceType,
} from '../../src';
import { SNAPSHOT_PUBLIC_KEY } from '../support/test-keys';

/** Sources of the test mirrors: two prefixes, the second with an explicit architecture. */
export function testSources(): MirrorSource[] {
  return [
    new MirrorSource({
      prefix: 'debian',
      name: 'bookworm',
      url: 'http://deb.upstream.example/debian',
      keyUrl: 'https://deb.upstream.example/archive-key.asc',
      distribution: 'bookworm',
      components: ['main', 'contrib'],
      packages: ['chain-a', 'contrib-tool (>= 1.0)', 'Priority (required)'],
    }),
    new MirrorSource({
      prefix: 'vendor',
      name: 'tools',
      url: 'https://vendor.upstream.example/apt',
      keyUrl: 'https://vendor.upstream.example/key.asc',
      distribution: 'trixie',
      components: ['main'],
      packages: ['multi (>= 2.0)', 'alt-user'],
      architectures: ['amd64'],
    }),
  ];
}

export interface SynthOptions {
  /** @default true */
  readonly signed?: boolean;
  /** Armored public key. @default SNAPSHOT_PUBLIC_KEY */
  readonly publicKey?: string;
  /** @default 'apt-mirror' (undefined: no namespace) */
  readonly namespace?: string | null;
  readonly props?: Partial<MiniMirrorProps>;
}

export interface SynthResult {
  readonly mirror: MiniMirror;
  readonly chart: Chart;
  readonly manifests: any[];
}

/** A MiniMirror in a fresh chart, synthesized. */
export function synthMirror(options: SynthOptions = {}): SynthResult {
  const app = Testing.app();
  const namespace = options.namespace === null ? undefined : options.namespace ?? 'apt-mirror';
  const chart = new Chart(app, 'test', { namespace });
  const signing = (options.signed ?? true)
    ? ReleaseSigning.fromSecret({ secretName: 'mirror-signing', publicKey: options.publicKey ?? SNAPSHOT_PUBLIC_KEY, passphraseKey: 'passphrase' })
    : ReleaseSigning.insecureUnsigned();
  const mirror = new MiniMirror(chart, 'mirror', {
    sources: testSources(),
    signing,
    image: { repository: 'registry.example.com/platform/mini-mirror', pullSecretName: 'registry-pull' },
    ...options.props,
  });
  return { mirror, chart, manifests: Testing.synth(chart) };
}

/** The variants the schema and pod-security tests cover. */
export function allVariants(): Record<string, SynthOptions> {
  return {
    'signed, crane, ClusterIP': {},
    'unsigned, kaniko, NodePort': {
      signed: false,
      props: {
        buildJob: { imageBuilder: ImageBuilder.kaniko() },
        serving: { serviceType: ServingServiceType.nodePort(30888), servicePort: 8888, replicas: 1 },
        clients: { baseUrl: 'http://node1.example:30888' },
      },
    },
    'signed, kaniko, Ingress with TLS, restricted NetworkPolicy': {
      props: {
        buildJob: { imageBuilder: ImageBuilder.kaniko(), mirrorImageHasTools: true },
        serving: {
          ingress: { host: 'apt.example.com', ingressClassName: 'nginx', tlsSecretName: 'apt-tls', annotations: { 'cert-manager.io/cluster-issuer': 'internal' } },
          networkPolicy: { ingressControllerNamespace: 'ingress-nginx', allowFrom: [{ namespaceSelector: { matchLabels: { team: 'platform' } } }] },
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }],
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          replicas: 3,
          priorityClassName: 'system-cluster-critical',
        },
        clients: { keyPath: '/etc/apt/keyrings/mirror.asc' },
      },
    },
    'unsigned, crane, LoadBalancer, no smoke test, Ingress without TLS': {
      signed: false,
      namespace: null,
      props: {
        serving: { serviceType: ServingServiceType.loadBalancer(), ingress: { host: 'apt.internal' }, networkPolicy: { enabled: false } },
        smokeTest: { enabled: false },
      },
    },
  };
}

/** The synthesized objects of one kind (and name). */
export function objectsOf(manifests: readonly any[], kind: string, name?: string): any[] {
  return manifests.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

/** The one object of a kind and name; throws when absent. */
export function objectOf(manifests: readonly any[], kind: string, name: string): any {
  const found = objectsOf(manifests, kind, name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}: ${manifests.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found[0];
}

/**
 * The objects with everything derived from the build's content hash replaced by placeholders,
 * so snapshots of serving/client objects do not churn when the build script changes.
 */
export function withoutBuildHashes(manifests: readonly any[], mirror: MiniMirror): any[] {
  let text = JSON.stringify(manifests);
  if (mirror.smokeTest) text = text.split(mirror.smokeTest.jobName).join(`${mirror.name}-smoke-<hash>`);
  text = text.split(mirror.contentHash).join('<content-hash>').split(mirror.contentHash.slice(0, 20)).join('<tag>');
  return JSON.parse(text);
}
