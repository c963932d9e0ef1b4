import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { BuildOptions, DEFAULT_BUILD_DEADLINE, MirrorImageOptions } from './build-options';
import { BuildSettings, planBuild } from './build-plan';
import { mirrorStep, proxyEnv } from './build-steps';
import { baseVolumes, buildPodSecurity, pushVolume } from './build-volumes';
import { SourceConfigMaps } from './source-config-maps';
import { ReleaseSigning } from '../signing/release-signing';
import { AptlyConfig } from '../sources/aptly-config';
import { MirrorSource } from '../sources/mirror-source';
import { configMap } from '../util/config-map';
import { objectHash } from '../util/hash';
import { checkConfigMapSize } from '../util/limits';
import { INSECURE_REGISTRY_ANNOTATION, INSECURE_REGISTRY_WARNING } from '../util/names';

/**
 * Props for `BuildJob`.
 */
export interface BuildJobProps extends BuildOptions {
  /** Base name of the objects. */
  readonly name: string;
  /** The sources. */
  readonly sources: MirrorSource[];
  /** Their ConfigMaps. */
  readonly sourceConfigMaps: SourceConfigMaps;
  /** Release signing. */
  readonly signing: ReleaseSigning;
  /** The serving image to push. */
  readonly image: MirrorImageOptions;
  /**
   * The default aptly config (sources without their own use it).
   * @default AptlyConfig.fromProps()
   */
  readonly defaultAptlyConfig?: AptlyConfig;
  /**
   * Labels for every object.
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /**
   * Refresh epoch: part of the build identity, so a new epoch builds a new image from the
   * same inputs (e.g. to take in upstream security updates).
   * @default - none: the build identity is the content hash
   */
  readonly refreshEpoch?: string;
  /**
   * Whether the mirror follows Recommends, as apt installs them by default.
   * @default true
   */
  readonly recommends?: boolean;
  /**
   * The in-cluster base URL of the server that serves this mirror (`MirrorServer.serviceUrl()`),
   * where `PreviousManifest.fromServedMirror()` reads the previous manifest.
   * @default - none: the default `previousManifest` compares with no previous build
   */
  readonly servedMirrorUrl?: string;
  /**
   * Published Releases carry `Valid-Until` this long after their Date.
   * @default - no Valid-Until
   */
  readonly validFor?: Duration;
}

/**
 * The Job that mirrors, verifies, signs and publishes every source, then bakes the tree into
 * the serving image. Its name carries the content hash of everything it builds from, because
 * Jobs are immutable: any change yields a new Job (and a new image tag).
 *
 * @example
 * new BuildJob(chart, 'build', { name: 'mirror', sources, sourceConfigMaps, signing, image: { repository: 'registry.example.com/mini-mirror' } });
 */
export class BuildJob extends Construct {
  /** SHA-256 (hex) of every build input: sources, configs, scripts, public key, images, options. */
  public readonly contentHash: string;
  /** What this build is: the content hash and the refresh epoch (the content hash without one). */
  public readonly buildIdentity: string;
  /** The refresh epoch, if any. */
  public readonly refreshEpoch?: string;
  /** `metadata.name` of the Job. */
  public readonly jobName: string;
  /** Name of the ConfigMap with the script, build.json and the default aptly config. */
  public readonly configMapName: string;
  /** The serving image reference (`repository:tag`). */
  public readonly imageRef: string;

  public constructor(scope: Construct, id: string, props: BuildJobProps) {
    super(scope, id);
    const plan = planBuild({ ...props, sourcesHash: props.sourceConfigMaps.contentHash });
    const { settings, files } = plan;
    this.refreshEpoch = plan.refreshEpoch;
    this.contentHash = plan.contentHash;
    this.buildIdentity = plan.buildIdentity;
    this.imageRef = plan.imageRef;
    // Immutable, so named after everything its data holds: build.json carries the identity (the
    // inputs and refreshEpoch), and two epochs with the same inputs must not share a name.
    this.configMapName = `${props.name}-build-${this.buildIdentity.slice(0, 12)}`;
    const annotations = buildAnnotations(props);
    const metadata = (name: string) => ({ name, labels: props.labels, annotations });

    const configData = {
      'build.json': plan.buildJson,
      'aptly.conf': settings.defaultConfig.toJsonString(),
      'build-mirror.sh': files.script,
      'build-runner.js': files.runner,
      ...files.builder.files,
      ...files.rollback,
    };
    checkConfigMapSize(this.configMapName, configData, `its build.json lists ${props.sources.length} sources: split them over several MiniMirror instances`, 'splitInstances');
    configMap(this, 'config', { ...metadata(this.configMapName), data: configData, immutable: true });

    const spec = this.jobSpec(props, settings, annotations);
    // Jobs are immutable: the name covers the whole Job (its spec, labels and annotations), so
    // any change to it is a new Job, and unchanged inputs give the same name.
    this.jobName = `${props.name}-build-${objectHash(metadata(''), k8s.toJson_JobSpec(spec)).slice(0, 12)}`;
    new k8s.KubeJob(this, 'job', { metadata: metadata(this.jobName), spec });
  }

  /**
   * The Job's spec: the check step (if the builder has one) and the mirror step as init
   * containers (each must finish before the next starts), then the image step.
   */
  private jobSpec(props: BuildJobProps, settings: BuildSettings, annotations?: { [key: string]: string }): k8s.JobSpec {
    const proxy = proxyEnv(props.proxy);
    const signing = props.signing._bindBuild();
    const registryCa = props.image.registryCa;
    const { imageStep, checkStep } = settings.builder._bind({
      imageRef: this.imageRef,
      buildIdentity: this.buildIdentity,
      pushSecretName: props.image.pushSecretName,
      insecureRegistry: !!props.image.insecureRegistry,
      registryCa: registryCa !== undefined,
      workspace: settings.workspace,
      proxyEnv: proxy,
    });
    const mirror = mirrorStep({
      image: settings.mirrorImage,
      hasTools: settings.mirrorImageHasTools,
      cpu: settings.cpu,
      memory: settings.memory,
      workspace: settings.workspace,
      proxyEnv: proxy,
      signingMounts: signing.mounts,
      // with a check step first, the mirror step skips a build the registry already holds
      buildIdentity: checkStep ? this.buildIdentity : undefined,
    });
    // a rollback fetches the earlier tree after the check (which may find the rollback built already)
    const rollback = props.rollbackTo && checkStep ? [props.rollbackTo._step(checkStep)] : [];
    const initContainers = checkStep ? [checkStep, ...rollback, mirror] : [mirror];
    const volumes = [
      ...baseVolumes(props.sourceConfigMaps, this.configMapName, settings.workspace),
      ...signing.volumes,
      ...(registryCa ? [registryCa._volume('registry-ca')] : []),
      ...pushVolume(props.image.pushSecretName),
    ];
    return {
      backoffLimit: settings.backoffLimit,
      activeDeadlineSeconds: (props.activeDeadline ?? DEFAULT_BUILD_DEADLINE).toSeconds(),
      ttlSecondsAfterFinished: (props.ttlAfterFinished ?? Duration.days(7)).toSeconds(),
      template: {
        metadata: { labels: props.labels, annotations },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          nodeSelector: props.nodeSelector,
          securityContext: buildPodSecurity([...initContainers, imageStep], volumes),
          initContainers,
          containers: [imageStep],
          volumes,
        },
      },
    };
  }
}

/** Warnings on the build objects: an unsigned mirror, an insecure registry. */
function buildAnnotations(props: BuildJobProps): { [key: string]: string } | undefined {
  const annotations = {
    ...props.signing._annotations(),
    ...(props.image.insecureRegistry ? { [INSECURE_REGISTRY_ANNOTATION]: INSECURE_REGISTRY_WARNING } : {}),
  };
  return Object.keys(annotations).length ? annotations : undefined;
}

