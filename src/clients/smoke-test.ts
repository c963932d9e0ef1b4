import { ApiObject, Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ClientConfig } from './client-config';
import { smokeTestJobSpec } from './smoke-test-job';
import { samplePackages, worldsTxt } from './smoke-test-packages';
import { MirrorSource } from '../sources/mirror-source';
import { resolvedSources } from '../sources/resolution';
import { readAsset } from '../util/assets';
import { checkWholeNumber } from '../util/checks';
import { configMap } from '../util/config-map';
import { objectHash } from '../util/hash';
import { checkImageReference } from '../util/k8s-names';

/**
 * How the smoke-test Job runs.
 */
export interface SmokeTestOptions {
  /**
   * Whether to run the smoke-test Job. Read by `MiniMirror`, which makes no `SmokeTest` when it
   * is false; `SmokeTest` itself always makes its Job.
   * @default true
   */
  readonly enabled?: boolean;
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

const DEFAULT_IMAGE = 'docker.io/library/debian:bookworm-slim';

/**
 * A Job that checks the served mirror like a client: waits for the new build, then for each
 * dependency world in turn, with a fresh apt state, runs `apt-get update` with the client
 * ConfigMap's `.sources` files of that world (signatures checked against the embedded or
 * referenced key only) and `apt-get install --simulate` of that world's requested packages (up
 * to `maxPackages` in all) with an empty dpkg status and the client ConfigMap's apt.conf.d
 * fragments, so the mirror alone must satisfy all dependencies, as for a client of that
 * release; with Recommends installed (apt's default, unless the mirror does not follow them),
 * a Recommends the mirror lacks fails the test too. Packages of sources with
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
  public readonly configMap: ApiObject;
  /** `metadata.name` of the Job and of its ConfigMap (a hash of everything in both). */
  public readonly jobName: string;
  /** The package names the test installs, in sample order (a name requested in two worlds twice). */
  public readonly packageNames: string[];
  /** The package names the test installs in each world. */
  public readonly packagesByWorld: { [world: string]: string[] };

  public constructor(scope: Construct, id: string, props: SmokeTestProps) {
    super(scope, id);
    const image = checkImageReference(props.image ?? DEFAULT_IMAGE, 'smoke test image');
    const backoffLimit = checkWholeNumber('smoke test backoffLimit', props.backoffLimit ?? 2, 0, 10);
    const waitSeconds = (props.waitTimeout ?? Duration.minutes(390)).toSeconds();
    if (waitSeconds < 60) throw new Error(`smoke test waitTimeout must be at least a minute, got ${waitSeconds}s`);
    const ttlSecondsAfterFinished = (props.ttlAfterFinished ?? Duration.days(7)).toSeconds();
    const maxPackages = checkWholeNumber('smoke test maxPackages', props.maxPackages ?? 500, 1, 10000);

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
    const checked = { image, backoffLimit, waitSeconds, ttlSecondsAfterFinished };
    const jobSpec = (configMapName: string) => smokeTestJobSpec({ ...props, ...checked, configMapName });
    // Jobs and their ConfigMaps are immutable: both are named with a hash of everything in them
    // (the Job's whole spec, labels and annotations, the ConfigMap's data and the client files).
    const hash = objectHash(metadataOf(''), {
      job: k8s.toJson_JobSpec(jobSpec('')),
      data,
      client: props.clientConfig.data,
    });
    this.jobName = `${props.name}-smoke-${hash.slice(0, 12)}`;
    this.configMap = configMap(this, 'config-map', { ...metadataOf(this.jobName), immutable: true, data });
    this.job = new k8s.KubeJob(this, 'job', { metadata: metadataOf(this.jobName), spec: jobSpec(this.jobName) });
  }
}
