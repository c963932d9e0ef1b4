import { Duration } from 'cdk8s';
import { buildJson } from './build-config';
import { buildIdentity, checkImageTag, checkRefreshEpoch } from './build-identity';
import { BuildOptions, MirrorImageOptions } from './build-options';
import { ImageBuilderFiles, proxyEnv } from './build-steps';
import { BuildWorkspace, buildWorkspace } from './build-workspace';
import { DEFAULT_TOOLS_IMAGE, ImageBuilder } from './image-builder';
import { ROLLBACK_FROM } from './paths';
import { PreviousManifest } from './previous-manifest';
import { ROLLBACK_SCRIPT, RollbackTarget } from './rollback-target';
import { ReleaseSigning } from '../signing/release-signing';
import { AptlyConfig } from '../sources/aptly-config';
import { MirrorSource } from '../sources/mirror-source';
import { readAsset, readRunner } from '../util/assets';
import { checkQuantity, checkWholeNumber } from '../util/checks';
import { contentHash } from '../util/hash';
import { hintedError } from '../util/hinted-error';
import { IMAGE_REPOSITORY } from '../util/k8s-names';

// What a build is (its checked settings, content hash, identity, image reference and build.json),
// computed from props alone: the BuildJob makes its objects from it, and a MiniMirror whose build
// runs elsewhere (inClusterBuild: false) derives the same image reference without making any.

/** What the plan needs: BuildJobProps, with the sources' content hash for their ConfigMaps. */
export interface BuildPlanProps extends BuildOptions {
  readonly sources: MirrorSource[];
  /** `SourceConfigMaps.contentHash` (or `planSourceConfigMaps`'s) of the sources. */
  readonly sourcesHash: string;
  readonly signing: ReleaseSigning;
  readonly image: MirrorImageOptions;
  readonly defaultAptlyConfig?: AptlyConfig;
  readonly refreshEpoch?: string;
  readonly recommends?: boolean;
  readonly servedMirrorUrl?: string;
  readonly validFor?: Duration;
}

/** A build, planned. */
export interface BuildPlan {
  readonly settings: BuildSettings;
  readonly files: BuildFiles;
  readonly refreshEpoch?: string;
  /** SHA-256 (hex) of every build input. */
  readonly contentHash: string;
  readonly buildIdentity: string;
  /** `repository:tag` of the serving image. */
  readonly imageRef: string;
  /** build.json, with the identity fields. */
  readonly buildJson: string;
}

/** The build's scripts and the builder's files. */
export interface BuildFiles {
  readonly script: string;
  readonly runner: string;
  readonly builder: ImageBuilderFiles;
  /** A rollback's script, by file name (empty for other builds). */
  readonly rollback: { readonly [file: string]: string };
}

/** Checks the build's props and computes what the build is. */
export function planBuild(props: BuildPlanProps): BuildPlan {
  const settings = checkedSettings(props);
  // The Job makes the proxy variables; checked here too, so a build elsewhere refuses what it would.
  proxyEnv(props.proxy);
  const refreshEpoch = checkRefreshEpoch(props.refreshEpoch);
  const files = buildFiles(settings.builder, props.rollbackTo);
  const previousManifest = (props.previousManifest ?? PreviousManifest.fromServedMirror())._resolve(props.servedMirrorUrl);
  if (props.rollbackTo && previousManifest === null) {
    throw new Error('rollbackTo dates the rollback one second after the build served now, read from previousManifest, but there is none: '
      + 'keep previousManifest at PreviousManifest.fromServedMirror() (with the mirror\'s server) or give PreviousManifest.fromUrl(<the manifest.json served now>)');
  }
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
  const hash = contentHash({
    sources: props.sourcesHash,
    defaultConfig: settings.defaultConfig.toJsonString(),
    buildJson: jsonFor(''),
    script: files.script,
    runner: files.runner,
    publicKey: props.signing.publicKey ?? 'unsigned',
    images: [settings.mirrorImage, ...files.builder.images, props.image.repository],
    ...files.builder.hashed,
    // A rollback's script and target are inputs like any other (other builds hash as before).
    ...(props.rollbackTo ? { rollbackTo: props.rollbackTo.reference, rollback: files.rollback } : {}),
  });
  const identity = buildIdentity(hash, refreshEpoch);
  const imageRef = `${props.image.repository}:${props.image.tag ?? identity.slice(0, 20)}`;
  return { settings, files, refreshEpoch, contentHash: hash, buildIdentity: identity, imageRef, buildJson: jsonFor(hash, identity, refreshEpoch) };
}

/** The build's options, checked, with their defaults applied. */
export interface BuildSettings {
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
function checkedSettings(props: BuildPlanProps): BuildSettings {
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
function buildFiles(builder: ImageBuilder, rollbackTo: RollbackTarget | undefined): BuildFiles {
  const rollback: { [file: string]: string } = rollbackTo ? { [ROLLBACK_SCRIPT]: readAsset(ROLLBACK_SCRIPT) } : {};
  return { script: readAsset('build-mirror.sh'), runner: readRunner(), builder: builder._files(), rollback };
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
