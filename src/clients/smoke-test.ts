import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ClientConfig } from './client-config';
import { sourcesFileName } from './deb822';
import { MirrorSource } from '../sources/mirror-source';
import { requestedPackageName } from '../sources/query/analyse';
import { ResolvedSource, resolvedSources } from '../sources/resolution';
import { groupByWorld } from '../sources/worlds';
import { readAsset } from '../util/assets';
import { objectHash } from '../util/hash';

/**
 * How the smoke-test Job runs.
 */
export interface SmokeTestOptions {
  /**
   * Image with bash and apt (Debian or Ubuntu); it runs as user `nobody` (65534).
   * @default 'docker.io/library/debian:bookworm-slim'
   */
  readonly image?: string;
  /**
   * How long the test waits for the Service to serve the new build. The Job starts when the
   * manifests are applied, while the build Job still runs.
   * @default - the build's activeDeadline plus 30 minutes (6h30m)
   */
  readonly waitTimeout?: Duration;
  /**
   * Pod retries (`backoffLimit`).
   * @default 2
   */
  readonly backoffLimit?: number;
  /**
   * A finished Job is deleted after this long (`ttlSecondsAfterFinished`).
   * @default Duration.days(7)
   */
  readonly ttlAfterFinished?: Duration;
  /**
   * Node selector of the test pod.
   * @default - none
   */
  readonly nodeSelector?: { [key: string]: string };
  /**
   * At most this many requested packages are install-simulated (over all worlds). When the
   * sources request more, they are taken in turn from each source (each one's first, then each
   * one's second, ...) so every source is covered, while the test's ConfigMap and apt-get
   * command lines stay small.
   * @default 500
   */
  readonly maxPackages?: number;
}

/**
 * Props for `SmokeTest`.
 */
export interface SmokeTestProps extends SmokeTestOptions {
  /** Base name of the objects (`<name>-smoke-<hash12>`). */
  readonly name: string;
  /** Identity of the build the test expects to be served (`buildIdentity` in its manifest.json). */
  readonly buildIdentity: string;
  /** The sources (their requested package names are installed). */
  readonly sources: MirrorSource[];
  /** The client ConfigMap whose `.sources` files are tested. */
  readonly clientConfig: ClientConfig;
  /**
   * The path the client `.sources` name in `Signed-By`, when the key is not embedded: the
   * test mounts `mirror-key.asc` there.
   * @default - the key is embedded in the `.sources` files
   */
  readonly keyPath?: string;
  /** Base URL the client `.sources` use. */
  readonly clientUrl: string;
  /** In-cluster base URL of the Service the test goes through. */
  readonly serviceUrl: string;
  /**
   * Labels of the Job, its ConfigMap and its pod.
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /**
   * Annotations of the Job, its ConfigMap and its pod.
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
}

/** Directory of the client ConfigMap in the test pod. */
const CLIENT_DIR = '/etc/mini-mirror/client';
/** Directory of the smoke-test ConfigMap in the test pod. */
const SMOKE_DIR = '/etc/mini-mirror/smoke';
/** `nobody` in Debian and Ubuntu images. */
const NOBODY = 65534;
/** Time the test may take after the build is served (apt-get update retries, install simulation). */
const APT_BUDGET_SECONDS = 15 * 60;

/**
 * A Job that checks the served mirror like a client: waits for the new build, then for each
 * dependency world in turn, with a fresh apt state, runs `apt-get update` with the client
 * ConfigMap's `.sources` files of that world (signatures checked against the embedded or
 * referenced key only) and `apt-get install --simulate` of that world's requested packages (up
 * to `maxPackages` in all) with an empty dpkg status, so the mirror alone must satisfy all
 * dependencies, as for a client of that release. Packages of sources with
 * `allowMissingDependencies` are not installed. The Job is named with a hash of everything it
 * tests (Jobs are immutable).
 *
 * @example
 * new SmokeTest(chart, 'smoke', { name: 'mirror', buildIdentity, sources, clientConfig, clientUrl, serviceUrl });
 */
export class SmokeTest extends Construct {
  /** The Job. */
  public readonly job: k8s.KubeJob;
  /** The ConfigMap with the script and the package list. */
  public readonly configMap: k8s.KubeConfigMap;
  /** `metadata.name` of the Job and of its ConfigMap (a hash of everything in both). */
  public readonly jobName: string;
  /** The package names the test installs, in sample order (a name requested in two worlds twice). */
  public readonly packageNames: string[];
  /** The package names the test installs in each world. */
  public readonly packagesByWorld: { [world: string]: string[] };

  public constructor(scope: Construct, id: string, props: SmokeTestProps) {
    super(scope, id);
    const image = props.image ?? 'docker.io/library/debian:bookworm-slim';
    if (!/^[a-z0-9][a-z0-9._\-/:@]*$/i.test(image)) throw new Error(`smoke test image "${image}" is not a valid image reference`);
    const backoffLimit = props.backoffLimit ?? 2;
    if (!Number.isInteger(backoffLimit) || backoffLimit < 0 || backoffLimit > 10) throw new Error(`smoke test backoffLimit must be a whole number from 0 to 10, got ${backoffLimit}`);
    const waitSeconds = (props.waitTimeout ?? Duration.minutes(390)).toSeconds();
    if (waitSeconds < 60) throw new Error(`smoke test waitTimeout must be at least a minute, got ${waitSeconds}s`);
    const ttl = props.ttlAfterFinished ?? Duration.days(7);

    const maxPackages = props.maxPackages ?? 500;
    if (!Number.isInteger(maxPackages) || maxPackages < 1 || maxPackages > 10000) throw new Error(`smoke test maxPackages must be a whole number from 1 to 10000, got ${maxPackages}`);
    const resolved = resolvedSources(props.sources);
    const sample = samplePackages(resolved.filter(r => !r.source.allowMissingDependencies), maxPackages);
    this.packageNames = sample.map(p => p.name);
    this.packagesByWorld = {};
    for (const r of resolved) this.packagesByWorld[r.world] ??= [];
    for (const p of sample) this.packagesByWorld[p.world].push(p.name);
    const data: { [key: string]: string } = {
      'smoke-test.sh': readAsset('smoke-test.sh'),
      'worlds.txt': worldsTxt(resolved),
      'packages.txt': sample.map(p => `${p.world} ${p.name}\n`).join(''),
      'service-url': props.serviceUrl + '\n',
      'client-url': props.clientUrl + '\n',
      'build-identity': props.buildIdentity + '\n',
    };
    const metadataOf = (name: string) => ({ name, labels: props.labels, annotations: props.annotations });

    const keyMounts: k8s.VolumeMount[] = [];
    const keyVolumes: k8s.Volume[] = [];
    if (props.keyPath !== undefined && props.clientConfig.data[ClientConfig.KEY_FILE] !== undefined) {
      const slash = props.keyPath.lastIndexOf('/');
      keyMounts.push({ name: 'client-key', mountPath: props.keyPath.slice(0, slash) || '/', readOnly: true });
      keyVolumes.push({
        name: 'client-key',
        configMap: {
          name: props.clientConfig.configMapName,
          items: [{ key: ClientConfig.KEY_FILE, path: props.keyPath.slice(slash + 1) }],
          defaultMode: 0o444,
        },
      });
    }

    const jobSpec = (configMapName: string): k8s.JobSpec => ({
      backoffLimit,
      activeDeadlineSeconds: waitSeconds + APT_BUDGET_SECONDS,
      ttlSecondsAfterFinished: ttl.toSeconds(),
      template: {
        metadata: { labels: props.labels, annotations: props.annotations },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          nodeSelector: props.nodeSelector,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: NOBODY,
            runAsGroup: NOBODY,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [{
            name: 'smoke-test',
            image,
            imagePullPolicy: 'IfNotPresent',
            command: ['bash', `${SMOKE_DIR}/smoke-test.sh`],
            env: [
              { name: 'MINI_MIRROR_SMOKE_WAIT_SECONDS', value: String(waitSeconds) },
              { name: 'TMPDIR', value: '/tmp' },
            ],
            volumeMounts: [
              { name: 'client', mountPath: CLIENT_DIR, readOnly: true },
              { name: 'smoke', mountPath: SMOKE_DIR, readOnly: true },
              { name: 'tmp', mountPath: '/tmp' },
              ...keyMounts,
            ],
            resources: {
              requests: { cpu: k8s.Quantity.fromString('50m'), memory: k8s.Quantity.fromString('64Mi') },
              limits: { cpu: k8s.Quantity.fromString('1'), memory: k8s.Quantity.fromString('256Mi') },
            },
            securityContext: {
              runAsNonRoot: true,
              runAsUser: NOBODY,
              runAsGroup: NOBODY,
              privileged: false,
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ['ALL'] },
              seccompProfile: { type: 'RuntimeDefault' },
            },
            terminationMessagePolicy: 'FallbackToLogsOnError',
          }],
          volumes: [
            // Only the .sources files are tested; the key is inside them or mounted at keyPath.
            {
              name: 'client',
              configMap: {
                name: props.clientConfig.configMapName,
                items: props.clientConfig.sourcesFileNames.map(f => ({ key: f, path: f })),
                defaultMode: 0o444,
              },
            },
            { name: 'smoke', configMap: { name: configMapName, defaultMode: 0o444 } },
            { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
            ...keyVolumes,
          ],
        },
      },
    });
    // Jobs and their ConfigMaps are immutable: both are named with a hash of everything in them
    // (the Job's whole spec, labels and annotations, the ConfigMap's data and the client files).
    const hash = objectHash(metadataOf(''), {
      job: k8s.toJson_JobSpec(jobSpec('')),
      data,
      client: props.clientConfig.data,
    });
    this.jobName = `${props.name}-smoke-${hash.slice(0, 12)}`;
    this.configMap = new k8s.KubeConfigMap(this, 'config-map', { metadata: metadataOf(this.jobName), immutable: true, data });
    this.job = new k8s.KubeJob(this, 'job', { metadata: metadataOf(this.jobName), spec: jobSpec(this.jobName) });
  }
}

/** A requested package and the world it is installed in. */
interface Sampled {
  readonly world: string;
  readonly name: string;
}

/**
 * `worlds.txt`: one line per world, `<world> <architecture> <file.sources>...`. The architecture
 * to resolve for is the first one a source of the world mirrors, so the result does not depend
 * on the node the test lands on; `-` (every upstream architecture) means the node's own.
 */
function worldsTxt(resolved: ResolvedSource[]): string {
  return [...groupByWorld(resolved, r => r.world)].map(([world, sources]) => {
    const arch = sources.find(s => s.architectures)?.architectures?.[0] ?? '-';
    return [world, arch, ...sources.map(s => sourcesFileName(s.source))].join(' ') + '\n';
  }).join('');
}

/**
 * Every requested name when there are at most `max`; else `max` of them, round-robin over the
 * sources (each one's first, then each one's second, ...) so every source is covered. Names are
 * taken from the queries as needed: a mirror of many thousands of packages only looks at a few.
 * A name counts once per world.
 */
function samplePackages(sources: ResolvedSource[], max: number): Sampled[] {
  const names = new Map<string, Sampled>();
  for (const source of sources) {
    for (const name of requestedNames(source.source)) {
      names.set(`${source.world} ${name}`, { world: source.world, name });
      if (names.size > max) return roundRobin(sources, max);
    }
  }
  return [...names.values()];
}

function roundRobin(sources: ResolvedSource[], max: number): Sampled[] {
  const names = new Map<string, Sampled>();
  const next = sources.map(s => ({ world: s.world, names: requestedNames(s.source) }));
  for (let more = true; more && names.size < max;) {
    more = false;
    for (const it of next) {
      const name = it.names.next();
      if (name.done) continue;
      more = true;
      names.set(`${it.world} ${name.value}`, { world: it.world, name: name.value });
      if (names.size === max) break;
    }
  }
  return [...names.values()];
}

/** A source's requested names, read from its packages.txt one query at a time. */
function* requestedNames(source: MirrorSource): Generator<string> {
  const text = source.packagesTxt;
  for (let start = 0; start < text.length;) {
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline;
    const name = requestedPackageName(text.slice(start, end));
    if (name !== undefined) yield name;
    start = end + 1;
  }
}
