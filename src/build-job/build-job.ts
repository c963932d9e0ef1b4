import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { buildJson } from './build-config';
import { buildIdentity, checkImageTag, checkRefreshEpoch } from './build-identity';
import { BuildOptions, DEFAULT_BUILD_DEADLINE, MirrorImageOptions } from './build-options';
import { ImageBuilderFiles, mirrorStep, proxyEnv } from './build-steps';
import { baseVolumes, buildPodSecurity, pushVolume } from './build-volumes';
import { BuildWorkspace, buildWorkspace } from './build-workspace';
import { DEFAULT_TOOLS_IMAGE, ImageBuilder } from './image-builder';
import { ROLLBACK_FROM } from './paths';
import { PreviousManifest } from './previous-manifest';
import { ROLLBACK_SCRIPT } from './rollback-target';
import { ReleaseSigning } from '../signing/release-signing';
import { AptlyConfig } from '../sources/aptly-config';
import { MirrorSource } from '../sources/mirror-source';
import { SourceConfigMaps } from '../sources/source-config-maps';
import { readAsset, readRunner } from '../util/assets';
import { checkQuantity, checkWholeNumber } from '../util/checks';
import { configMap } from '../util/config-map';
import { contentHash, objectHash } from '../util/hash';
import { hintedError } from '../util/hinted-error';
import { IMAGE_REPOSITORY } from '../util/k8s-names';
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
    const settings = checkedSettings(props);
    this.refreshEpoch = checkRefreshEpoch(props.refreshEpoch);
    const files = buildFiles(settings.builder);
    const previousManifest = (props.previousManifest ?? PreviousManifest.fromServedMirror())._resolve(props.servedMirrorUrl);
    if (props.rollbackTo && previousManifest === null) {
      throw new Error('rollbackTo dates the rollback one second after the build served now, read from previousManifest, but there is none: '
        + 'keep previousManifest at PreviousManifest.fromServedMirror() (with the mirror\'s server) or give PreviousManifest.fromUrl(<the manifest.json served now>)');
    }
    // A rollback's script and target are inputs like any other (other builds hash as before).
    const rollback: { [key: string]: string } = props.rollbackTo ? { [ROLLBACK_SCRIPT]: readAsset(ROLLBACK_SCRIPT) } : {};
    // The content hash covers build.json without the identity fields: the inputs only.
    const jsonFor = (hash: string, identity?: string, epoch?: string) => buildJson({
      sources: props.sources,
      signing: props.signing,
      concurrency: settings.concurrency,
      retries: settings.retries,
      contentHash: hash,
      buildIdentity: identity,
      refreshEpoch: epoch,
      stallTimeout: props.stallTimeout,
      validFor: props.validFor,
      defaultAptlyConfig: settings.defaultConfig,
      recommends: props.recommends,
      previousManifest,
      rollbackFrom: props.rollbackTo ? ROLLBACK_FROM : undefined,
    });
    this.contentHash = contentHash({
      sources: props.sourceConfigMaps.contentHash,
      defaultConfig: settings.defaultConfig.toJsonString(),
      buildJson: jsonFor(''),
      script: files.script,
      runner: files.runner,
      publicKey: props.signing.publicKey ?? 'unsigned',
      images: [settings.mirrorImage, ...files.builder.images, props.image.repository],
      ...files.builder.hashed,
      ...(props.rollbackTo ? { rollbackTo: props.rollbackTo.reference, rollback } : {}),
    });
    this.buildIdentity = buildIdentity(this.contentHash, this.refreshEpoch);
    this.imageRef = `${props.image.repository}:${props.image.tag ?? this.buildIdentity.slice(0, 20)}`;
    // Immutable, so named after everything its data holds: build.json carries the identity (the
    // inputs and refreshEpoch), and two epochs with the same inputs must not share a name.
    this.configMapName = `${props.name}-build-${this.buildIdentity.slice(0, 12)}`;
    const annotations = buildAnnotations(props);
    const metadata = (name: string) => ({ name, labels: props.labels, annotations });

    const configData = {
      'build.json': jsonFor(this.contentHash, this.buildIdentity, this.refreshEpoch),
      'aptly.conf': settings.defaultConfig.toJsonString(),
      'build-mirror.sh': files.script,
      'build-runner.js': files.runner,
      ...files.builder.files,
      ...rollback,
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

/** The build's options, checked, with their defaults applied. */
interface BuildSettings {
  readonly builder: ImageBuilder;
  readonly mirrorImage: string;
  readonly mirrorImageHasTools: boolean;
  readonly workspace: BuildWorkspace;
  readonly concurrency: number;
  readonly retries: number;
  readonly backoffLimit: number;
  readonly cpu: string;
  readonly memory: string;
  readonly defaultConfig: AptlyConfig;
}

/** Checks every option of the build (except the proxy, checked where its variables are made). */
function checkedSettings(props: BuildJobProps): BuildSettings {
  const images = resolveImages(props);
  images.builder._checkImage(props.image);
  const workspace = buildWorkspace(props.mirrorSizeEstimate, props.workspaceVolumeClaim);
  const concurrency = checkWholeNumber('concurrency', props.concurrency ?? 4, 1, 64);
  const retries = checkWholeNumber('retries', props.retries ?? 3, 1, 20);
  const backoffLimit = checkWholeNumber('backoffLimit', props.backoffLimit ?? 1, 0, 10);
  const cpu = checkQuantity('cpu', props.cpu ?? '500m', '500m');
  const memory = checkQuantity('memory', props.memory ?? '1Gi', '1Gi');
  checkRepository(props.image.repository);
  if (props.image.tag !== undefined) checkImageTag(props.image.tag);
  if (props.rollbackTo) {
    if (images.builder.kind !== 'skopeo') {
      throw new Error(`rollbackTo needs ImageBuilder.skopeo(), whose tools (skopeo, umoci) fetch the earlier image, not ${images.builder.kind}(): use ImageBuilder.skopeo()`);
    }
    props.rollbackTo._checkRegistry(props.image.repository);
  }
  const defaultConfig = props.defaultAptlyConfig ?? AptlyConfig.fromProps();
  for (const source of props.sources) {
    if (!source.aptlyConfig && defaultConfig.disablesVerification && !source.insecureSkipUpstreamVerification) {
      throw hintedError(`the default aptly config (${defaultConfig.origin}) sets "gpgDisableVerify": true, which source ${source.id} would use: remove it, or set insecureSkipUpstreamVerification on that source`, 'insecureSkipUpstreamVerification');
    }
  }
  return { ...images, workspace, concurrency, retries, backoffLimit, cpu, memory, defaultConfig };
}

/** The build's scripts and the builder's files. */
function buildFiles(builder: ImageBuilder): { readonly script: string; readonly runner: string; readonly builder: ImageBuilderFiles } {
  return { script: readAsset('build-mirror.sh'), runner: readRunner(), builder: builder._files() };
}

/** Warnings on the build objects: an unsigned mirror, an insecure registry. */
function buildAnnotations(props: BuildJobProps): { [key: string]: string } | undefined {
  const annotations = {
    ...props.signing._annotations(),
    ...(props.image.insecureRegistry ? { [INSECURE_REGISTRY_ANNOTATION]: INSECURE_REGISTRY_WARNING } : {}),
  };
  return Object.keys(annotations).length ? annotations : undefined;
}

/**
 * The images of the steps: `builderImage` stands for the mirror image and the skopeo image step's
 * image, both with their tools.
 */
function resolveImages(props: BuildOptions): { builder: ImageBuilder; mirrorImage: string; mirrorImageHasTools: boolean } {
  const builder = props.imageBuilder ?? ImageBuilder.skopeo();
  const tools = props.builderImage;
  if (tools === undefined) {
    return { builder, mirrorImage: props.mirrorImage ?? DEFAULT_TOOLS_IMAGE, mirrorImageHasTools: !!props.mirrorImageHasTools };
  }
  if (props.mirrorImage !== undefined || props.mirrorImageHasTools === false) {
    throw new Error('builderImage and mirrorImage/mirrorImageHasTools are both set, but builderImage is the mirror image (with its tools): give one of them');
  }
  return { builder: builder._withBuilderImage(tools), mirrorImage: tools, mirrorImageHasTools: true };
}

function checkRepository(repository: string) {
  if (!IMAGE_REPOSITORY.test(repository ?? '')) {
    throw new Error(`image repository "${repository}" is not a valid repository (e.g. registry.example.com/mini-mirror, no tag)`);
  }
}
