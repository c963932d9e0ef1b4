import { k8s } from 'cdk8s-plus-27';
import { ClientConfig } from './client-config';
import { nonRootContainerSecurity, podSecurity } from '../util/hardening';

/** Directory of the client ConfigMap in the test pod. */
const CLIENT_DIR = '/etc/mini-mirror/client';
/** Directory of the smoke-test ConfigMap in the test pod. */
const SMOKE_DIR = '/etc/mini-mirror/smoke';
/** `nobody` in Debian and Ubuntu images. */
const NOBODY = 65534;
/** Time the test may take after the build is served (apt-get update retries, install simulation). */
const APT_BUDGET_SECONDS = 15 * 60;

/** What the smoke-test Job runs with, checked by `SmokeTest`. */
export interface SmokeTestJobProps {
  readonly image: string;
  readonly backoffLimit: number;
  /** How long the script waits for the new build to be served. */
  readonly waitSeconds: number;
  readonly ttlSecondsAfterFinished: number;
  readonly labels?: { [key: string]: string };
  readonly annotations?: { [key: string]: string };
  readonly nodeSelector?: { [key: string]: string };
  /** The client ConfigMap whose `.sources` files (and key, with `keyPath`) are mounted. */
  readonly clientConfig: ClientConfig;
  readonly keyPath?: string;
  /** The smoke-test ConfigMap: the script and its lists. */
  readonly configMapName: string;
}

/** A pod's volume with where the container mounts it. */
interface Mounted {
  readonly mount: k8s.VolumeMount;
  readonly volume: k8s.Volume;
}

/** The Job's spec: one non-root pod running `smoke-test.sh` against the client files. */
export function smokeTestJobSpec(props: SmokeTestJobProps): k8s.JobSpec {
  const volumes = smokeTestVolumes(props);
  return {
    backoffLimit: props.backoffLimit,
    activeDeadlineSeconds: props.waitSeconds + APT_BUDGET_SECONDS,
    ttlSecondsAfterFinished: props.ttlSecondsAfterFinished,
    template: {
      metadata: { labels: props.labels, annotations: props.annotations },
      spec: {
        restartPolicy: 'Never',
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        nodeSelector: props.nodeSelector,
        securityContext: podSecurity({ uid: NOBODY }),
        containers: [smokeTestContainer(props, volumes.map(v => v.mount))],
        volumes: volumes.map(v => v.volume),
      },
    },
  };
}

function smokeTestContainer(props: SmokeTestJobProps, volumeMounts: k8s.VolumeMount[]): k8s.Container {
  return {
    name: 'smoke-test',
    image: props.image,
    imagePullPolicy: 'IfNotPresent',
    command: ['bash', `${SMOKE_DIR}/smoke-test.sh`],
    env: [
      { name: 'MINI_MIRROR_SMOKE_WAIT_SECONDS', value: String(props.waitSeconds) },
      { name: 'TMPDIR', value: '/tmp' },
    ],
    volumeMounts,
    resources: {
      requests: { cpu: k8s.Quantity.fromString('50m'), memory: k8s.Quantity.fromString('64Mi') },
      limits: { cpu: k8s.Quantity.fromString('1'), memory: k8s.Quantity.fromString('256Mi') },
    },
    securityContext: nonRootContainerSecurity(NOBODY),
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

/** The client's `.sources` files, the test's ConfigMap, scratch space and, with `keyPath`, the key. */
function smokeTestVolumes(props: SmokeTestJobProps): Mounted[] {
  const client = props.clientConfig;
  const volumes: Mounted[] = [
    {
      mount: { name: 'client', mountPath: CLIENT_DIR, readOnly: true },
      // The .sources files and apt.conf.d fragments are tested; the key is inside them or mounted at keyPath.
      volume: {
        name: 'client',
        configMap: {
          name: client.configMapName,
          items: [...client.sourcesFileNames, ...client.aptConfFileNames].map(f => ({ key: f, path: f })),
          defaultMode: 0o444,
        },
      },
    },
    {
      mount: { name: 'smoke', mountPath: SMOKE_DIR, readOnly: true },
      volume: { name: 'smoke', configMap: { name: props.configMapName, defaultMode: 0o444 } },
    },
    {
      mount: { name: 'tmp', mountPath: '/tmp' },
      volume: { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
    },
  ];
  if (props.keyPath !== undefined && client.data[ClientConfig.KEY_FILE] !== undefined) volumes.push(clientKey(client, props.keyPath));
  return volumes;
}

/** The client ConfigMap's key file alone, mounted at `keyPath` as the `.sources` files name it. */
function clientKey(client: ClientConfig, keyPath: string): Mounted {
  const slash = keyPath.lastIndexOf('/');
  return {
    mount: { name: 'client-key', mountPath: keyPath.slice(0, slash) || '/', readOnly: true },
    volume: {
      name: 'client-key',
      configMap: { name: client.configMapName, items: [{ key: ClientConfig.KEY_FILE, path: keyPath.slice(slash + 1) }], defaultMode: 0o444 },
    },
  };
}
