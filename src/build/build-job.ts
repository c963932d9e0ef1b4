import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { buildJson } from './build-config';
import { buildIdentity, checkImageTag, checkRefreshEpoch } from './build-identity';
import { BuildOptions, MirrorImageOptions } from './build-options';
import { buildWorkspace } from './build-workspace';
import { DEFAULT_TOOLS_IMAGE, ImageBuilder } from './image-builder';
import { BUILD_PATHS, GNUPG_DIR, SERVING_ROOT } from './paths';
import { REGISTRY_CA_FILE } from './registry-ca';
import { ReleaseSigning } from '../signing/release-signing';
import { AptlyConfig } from '../sources/aptly-config';
import { MirrorSource } from '../sources/mirror-source';
import { SourceConfigMaps } from '../sources/source-config-maps';
import { readAsset, readRunner } from '../util/assets';
import { contentHash, objectHash } from '../util/hash';
import { IMAGE_REPOSITORY } from '../util/k8s-names';
import { checkConfigMapSize } from '../util/limits';
import { INSECURE_ANNOTATION, INSECURE_REGISTRY_ANNOTATION, INSECURE_REGISTRY_WARNING, INSECURE_WARNING } from '../util/names';

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
    const { builder, mirrorImage, mirrorImageHasTools } = resolveImages(props);
    if (props.image.insecureRegistry && builder.kind !== 'skopeo') {
      throw new Error(`image.insecureRegistry is supported by ImageBuilder.skopeo() only, not ${builder.kind}: use ImageBuilder.skopeo(), or a registry with a trusted TLS certificate`);
    }
    const registryCa = props.image.registryCa;
    if (registryCa && builder.kind !== 'skopeo') {
      throw new Error(`image.registryCa is supported by ImageBuilder.skopeo() only, not ${builder.kind}: use ImageBuilder.skopeo()`);
    }
    if (registryCa && props.image.insecureRegistry) {
      throw new Error('image.registryCa and image.insecureRegistry are both set, but an insecure registry is reached without verifying certificates: keep registryCa and drop insecureRegistry');
    }
    const workspace = buildWorkspace(props.mirrorSizeEstimate, props.workspaceVolumeClaim);
    const concurrency = checkWhole('concurrency', props.concurrency ?? 4, 1, 64);
    const retries = checkWhole('retries', props.retries ?? 3, 1, 20);
    const backoffLimit = checkWhole('backoffLimit', props.backoffLimit ?? 1, 0, 10);
    const activeDeadline = props.activeDeadline ?? Duration.hours(6);
    const ttl = props.ttlAfterFinished ?? Duration.days(7);
    checkRepository(props.image.repository);
    if (props.image.tag !== undefined) checkImageTag(props.image.tag);
    this.refreshEpoch = checkRefreshEpoch(props.refreshEpoch);
    const defaultConfig = props.defaultAptlyConfig ?? AptlyConfig.fromProps();
    for (const source of props.sources) {
      if (!source.aptlyConfig && defaultConfig.disablesVerification && !source.insecureSkipUpstreamVerification) {
        throw new Error(`the default aptly config (${defaultConfig.origin}) sets "gpgDisableVerify": true, which source ${source.id} would use: remove it, or set insecureSkipUpstreamVerification on that source`);
      }
    }

    const script = readAsset('build-mirror.sh');
    const runner = readRunner();
    const bakeScript = readAsset(builder.kind === 'skopeo' ? 'bake-image-oci.sh' : 'bake-image.sh');
    const skopeoPolicy = readAsset('skopeo-policy.json');
    const dockerfile = `FROM ${builder.baseImage}\nCOPY public/ ${SERVING_ROOT}/\n`;
    // The content hash covers build.json without the identity fields: the inputs only.
    const jsonFor = (hash: string, identity?: string, epoch?: string) => buildJson({
      sources: props.sources,
      signing: props.signing,
      concurrency,
      retries,
      contentHash: hash,
      buildIdentity: identity,
      refreshEpoch: epoch,
      stallTimeout: props.stallTimeout,
      defaultAptlyConfig: defaultConfig,
    });
    this.contentHash = contentHash({
      sources: props.sourceConfigMaps.contentHash,
      defaultConfig: defaultConfig.toJsonString(),
      buildJson: jsonFor(''),
      script,
      runner,
      bake: builder.kind === 'kaniko' ? dockerfile : bakeScript,
      publicKey: props.signing.publicKey ?? 'unsigned',
      images: [mirrorImage, builder.kind, builder.image, builder.baseImage, props.image.repository],
      ...(builder.kind === 'skopeo' ? { skopeoPolicy } : {}),
    });
    const short = this.contentHash.slice(0, 12);
    this.buildIdentity = buildIdentity(this.contentHash, this.refreshEpoch);
    const tag = props.image.tag ?? this.buildIdentity.slice(0, 20);
    this.imageRef = `${props.image.repository}:${tag}`;
    this.configMapName = `${props.name}-build-${short}`;
    const annotations = props.signing.signed && !props.image.insecureRegistry ? undefined : {
      ...(props.signing.signed ? {} : { [INSECURE_ANNOTATION]: INSECURE_WARNING }),
      ...(props.image.insecureRegistry ? { [INSECURE_REGISTRY_ANNOTATION]: INSECURE_REGISTRY_WARNING } : {}),
    };
    const metadata = (name: string) => ({ name, labels: props.labels, annotations });

    const configData = {
      'build.json': jsonFor(this.contentHash, this.buildIdentity, this.refreshEpoch),
      'aptly.conf': defaultConfig.toJsonString(),
      'build-mirror.sh': script,
      'build-runner.js': runner,
      ...(builder.kind === 'crane' ? { 'bake-image.sh': bakeScript } : {}),
      ...(builder.kind === 'skopeo' ? { 'bake-image-oci.sh': bakeScript, 'skopeo-policy.json': skopeoPolicy } : {}),
      ...(builder.kind === 'kaniko' ? { Dockerfile: dockerfile } : {}),
    };
    checkConfigMapSize(this.configMapName, configData, `its build.json lists ${props.sources.length} sources: split them over several MiniMirror instances`);
    new k8s.KubeConfigMap(this, 'config', {
      metadata: metadata(this.configMapName),
      immutable: true,
      data: configData,
    });

    const proxyEnv: k8s.EnvVar[] = [];
    for (const [name, value] of [['HTTP_PROXY', props.proxy?.httpProxy], ['HTTPS_PROXY', props.proxy?.httpsProxy], ['NO_PROXY', props.proxy?.noProxy]]) {
      if (value === undefined) continue;
      if (/[\s"'`\\]/.test(value)) throw new Error(`proxy value for ${name} "${value}" contains whitespace or quotes`);
      if (/^[a-z][a-z0-9+.-]*:\/\/[^/@]*@/i.test(value)) {
        throw new Error(`proxy value for ${name} carries credentials (user:password@), which would be written into the Job's YAML: use a proxy that needs no credentials in the URL (e.g. one that authorizes the build's network)`);
      }
      proxyEnv.push({ name: name!, value }, { name: name!.toLowerCase(), value });
    }

    const volumes: k8s.Volume[] = [
      { name: 'sources', projected: { sources: props.sourceConfigMaps.volumeProjections(), defaultMode: 0o444 } },
      { name: 'build', configMap: { name: this.configMapName, defaultMode: 0o444 } },
      workspace.volume,
      { name: 'tmp', emptyDir: {} },
      // The signing key's GNUPGHOME: memory-backed, so the key never reaches a disk, even when
      // the pod is killed before the build removes it.
      { name: 'gnupg', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('16Mi') } },
    ];
    const mirrorMounts: k8s.VolumeMount[] = [
      { name: 'sources', mountPath: BUILD_PATHS.sources, readOnly: true },
      { name: 'build', mountPath: BUILD_PATHS.build, readOnly: true },
      { name: 'workspace', mountPath: BUILD_PATHS.workspace },
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'gnupg', mountPath: GNUPG_DIR },
    ];
    if (props.signing.signed) {
      const items = [{ key: props.signing.privateKeyKey!, path: props.signing.privateKeyKey! }];
      if (props.signing.passphraseKey) items.push({ key: props.signing.passphraseKey, path: props.signing.passphraseKey });
      // Only the mirror step mounts the signing Secret, mode 0400 (root-owned: readable by a
      // mirror step that runs as root; a non-root one reads it through fsGroup, below).
      volumes.push({ name: 'signing', secret: { secretName: props.signing.secretName, items, defaultMode: 0o400 } });
      mirrorMounts.push({ name: 'signing', mountPath: BUILD_PATHS.signing, readOnly: true });
    }
    if (registryCa) {
      // Public certificates: world-readable, so a non-root step reads them without fsGroup.
      const items = [{ key: registryCa.key, path: REGISTRY_CA_FILE }];
      volumes.push(registryCa.kind === 'secret'
        ? { name: 'registry-ca', secret: { secretName: registryCa.name, items, defaultMode: 0o444 } }
        : { name: 'registry-ca', configMap: { name: registryCa.name, items, defaultMode: 0o444 } });
    }
    if (props.image.pushSecretName) {
      volumes.push({
        name: 'push',
        secret: { secretName: props.image.pushSecretName, items: [{ key: '.dockerconfigjson', path: 'config.json' }], defaultMode: 0o400 },
      });
    }

    // Steps that need no root run as this non-root user with nothing writable but their volumes.
    const storage: { [key: string]: k8s.Quantity } = workspace.ephemeralStorage ? { 'ephemeral-storage': workspace.ephemeralStorage } : {};
    const nonRoot = { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };
    const mirrorStep: k8s.Container = {
      name: 'mirror',
      image: mirrorImage,
      imagePullPolicy: 'IfNotPresent',
      command: ['bash', `${BUILD_PATHS.build}/build-mirror.sh`],
      env: [
        ...proxyEnv,
        { name: 'HOME', value: '/tmp' },
        { name: 'MINI_MIRROR_GNUPG_DIR', value: GNUPG_DIR },
        // the runner checks for room before downloading (df does not see an emptyDir's sizeLimit)
        ...(workspace.limitMib ? [{ name: 'MINI_MIRROR_WORKSPACE_LIMIT_MIB', value: String(workspace.limitMib) }] : []),
      ],
      volumeMounts: mirrorMounts,
      resources: {
        requests: { cpu: k8s.Quantity.fromString(props.cpu ?? '500m'), memory: k8s.Quantity.fromString(props.memory ?? '1Gi'), ...storage },
        limits: { memory: k8s.Quantity.fromString(props.memory ?? '1Gi') },
      },
      securityContext: mirrorImageHasTools
        ? nonRoot
        : {
          // Root only to apt-get install aptly/gnupg/curl/jq into the stock image; apt drops to
          // _apt for downloads (SETUID/SETGID) and writes root-owned files (CHOWN/FOWNER/DAC_OVERRIDE).
          // Set mirrorImageHasTools with a prepared image to run this step as non-root.
          runAsUser: 0,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: false,
          capabilities: { drop: ['ALL'], add: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'] },
        },
    };

    const rootForApt = {
      // Root only to apt-get install the tools into the stock image (see the mirror step).
      runAsUser: 0,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: false,
      capabilities: { drop: ['ALL'], add: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'] },
    };
    const imageStep: k8s.Container = builder.kind === 'skopeo'
      ? {
        name: 'image',
        image: builder.image,
        imagePullPolicy: 'IfNotPresent',
        command: ['bash', `${BUILD_PATHS.build}/bake-image-oci.sh`],
        env: [
          ...proxyEnv,
          { name: 'MINI_MIRROR_IMAGE', value: this.imageRef },
          { name: 'MINI_MIRROR_BASE_IMAGE', value: builder.baseImage },
          { name: 'MINI_MIRROR_BUILD_IDENTITY', value: this.buildIdentity },
          ...(props.image.insecureRegistry ? [{ name: 'MINI_MIRROR_INSECURE_REGISTRY', value: 'true' }] : []),
          ...(registryCa ? [{ name: 'MINI_MIRROR_REGISTRY_CA_DIR', value: BUILD_PATHS.registryCa }] : []),
          ...(workspace.limitMib ? [{ name: 'MINI_MIRROR_WORKSPACE_LIMIT_MIB', value: String(workspace.limitMib) }] : []),
          { name: 'HOME', value: '/tmp' },
          // skopeo keeps big blobs in TMPDIR (default /var/tmp, read-only here)
          { name: 'TMPDIR', value: '/tmp' },
          ...(props.image.pushSecretName ? [{ name: 'REGISTRY_AUTH_FILE', value: `${BUILD_PATHS.push}/config.json` }] : []),
        ],
        volumeMounts: [
          { name: 'build', mountPath: BUILD_PATHS.build, readOnly: true },
          { name: 'workspace', mountPath: BUILD_PATHS.workspace },
          { name: 'tmp', mountPath: '/tmp' },
          ...(props.image.pushSecretName ? [{ name: 'push', mountPath: BUILD_PATHS.push, readOnly: true }] : []),
          ...(registryCa ? [{ name: 'registry-ca', mountPath: BUILD_PATHS.registryCa, readOnly: true }] : []),
        ],
        resources: { requests: { cpu: k8s.Quantity.fromString('250m'), memory: k8s.Quantity.fromString('256Mi'), ...storage }, limits: { memory: k8s.Quantity.fromString('1Gi') } },
        securityContext: builder.imageHasTools ? nonRoot : rootForApt,
      }
      : builder.kind === 'crane'
        ? {
          name: 'image',
          image: builder.image,
          imagePullPolicy: 'IfNotPresent',
          command: ['sh', `${BUILD_PATHS.build}/bake-image.sh`],
          env: [
            ...proxyEnv,
            { name: 'MINI_MIRROR_IMAGE', value: this.imageRef },
            { name: 'MINI_MIRROR_BASE_IMAGE', value: builder.baseImage },
            { name: 'HOME', value: '/tmp' },
            ...(props.image.pushSecretName ? [{ name: 'DOCKER_CONFIG', value: BUILD_PATHS.push }] : []),
          ],
          volumeMounts: [
            { name: 'build', mountPath: BUILD_PATHS.build, readOnly: true },
            { name: 'workspace', mountPath: BUILD_PATHS.workspace },
            ...(props.image.pushSecretName ? [{ name: 'push', mountPath: BUILD_PATHS.push, readOnly: true }] : []),
          ],
          resources: { requests: { cpu: k8s.Quantity.fromString('250m'), memory: k8s.Quantity.fromString('256Mi'), ...storage }, limits: { memory: k8s.Quantity.fromString('1Gi') } },
          securityContext: nonRoot,
        }
        : {
          name: 'image',
          image: builder.image,
          imagePullPolicy: 'IfNotPresent',
          args: [`--context=dir://${BUILD_PATHS.workspace}`, `--dockerfile=${BUILD_PATHS.build}/Dockerfile`, `--destination=${this.imageRef}`, '--reproducible'],
          env: proxyEnv,
          volumeMounts: [
            { name: 'build', mountPath: BUILD_PATHS.build, readOnly: true },
            { name: 'workspace', mountPath: BUILD_PATHS.workspace },
            ...(props.image.pushSecretName ? [{ name: 'push', mountPath: '/kaniko/.docker', readOnly: true }] : []),
          ],
          resources: { requests: { cpu: k8s.Quantity.fromString('500m'), memory: k8s.Quantity.fromString('512Mi'), ...storage }, limits: { memory: k8s.Quantity.fromString('2Gi') } },
          // Kaniko unpacks the base image over its own root filesystem: it must run as root.
          securityContext: { runAsUser: 0, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'] } },
        };

    // skopeo: ask the registry first. When the tag already holds this build (a re-created Job, a
    // rollback), the mirror step builds nothing and the image step pushes nothing.
    const checkStep: k8s.Container | undefined = builder.kind === 'skopeo'
      ? { ...imageStep, name: 'check', env: [...imageStep.env!, { name: 'MINI_MIRROR_CHECK_ONLY', value: 'true' }] }
      : undefined;
    if (checkStep) mirrorStep.env!.push({ name: 'MINI_MIRROR_BUILD_IDENTITY', value: this.buildIdentity });

    const imageStepNonRoot = builder.kind === 'kaniko' ? false : builder.imageHasTools;
    const secretReaderNonRoot = (props.signing.signed && mirrorImageHasTools)
      || (!!props.image.pushSecretName && imageStepNonRoot);
    const jobSpec: k8s.JobSpec = {
      backoffLimit,
      activeDeadlineSeconds: activeDeadline.toSeconds(),
      ttlSecondsAfterFinished: ttl.toSeconds(),
      template: {
        metadata: { labels: props.labels, annotations },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          nodeSelector: props.nodeSelector,
          // Secret files are root-owned and 0400; kubelet makes them 0440 with group fsGroup when
          // one is set. Only a non-root step that reads a Secret needs that (and gets it).
          securityContext: { ...(secretReaderNonRoot ? { fsGroup: 65532 } : {}), seccompProfile: { type: 'RuntimeDefault' } },
          // The mirror step must finish before the image step starts: an init container.
          initContainers: checkStep ? [checkStep, mirrorStep] : [mirrorStep],
          containers: [imageStep],
          volumes,
        },
      },
    };
    // Jobs are immutable: the name covers the whole Job (its spec, labels and annotations), so
    // any change to it is a new Job, and unchanged inputs give the same name.
    this.jobName = `${props.name}-build-${objectHash(metadata(''), k8s.toJson_JobSpec(jobSpec)).slice(0, 12)}`;
    new k8s.KubeJob(this, 'job', { metadata: metadata(this.jobName), spec: jobSpec });
  }
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
  if (builder.kind !== 'skopeo') return { builder, mirrorImage: tools, mirrorImageHasTools: true };
  if (builder.image !== DEFAULT_TOOLS_IMAGE && builder.image !== tools) {
    throw new Error(`builderImage and ImageBuilder.skopeo({ image: '${builder.image}' }) are both set, but builderImage is the image step's image too: give one of them`);
  }
  const skopeo = ImageBuilder.skopeo({ image: tools, imageHasTools: true, baseImage: builder.baseImage });
  return { builder: skopeo, mirrorImage: tools, mirrorImageHasTools: true };
}

function checkWhole(what: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${what} must be a whole number from ${min} to ${max}, got ${value}`);
  return value;
}

function checkRepository(repository: string) {
  if (!IMAGE_REPOSITORY.test(repository ?? '')) {
    throw new Error(`image repository "${repository}" is not a valid repository (e.g. registry.example.com/mini-mirror, no tag)`);
  }
}
