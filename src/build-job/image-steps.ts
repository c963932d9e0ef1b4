import { k8s } from 'cdk8s-plus-27';
import { ImageStepBinding, ImageStepContext, stepSecurity, workspaceLimitEnv } from './build-steps';
import { BUILD_MOUNTS, stepResources } from './build-volumes';
import { BUILD_PATHS } from './paths';
import { BUILD_ENV } from '../contract/env';
import { rootForAptContainerSecurity } from '../util/hardening';

// The image step of each ImageBuilder kind (image-builder-kinds.ts binds them).

/** What the variants' image steps have in common. */
interface ImageStepBase {
  readonly image: string;
  readonly baseImage: string;
}

/**
 * skopeo + umoci (bake-image-oci.sh), preceded by a check step: ask the registry first. When
 * the tag already holds this build (a re-created Job, a rollback), the mirror step builds
 * nothing and the image step pushes nothing.
 */
export function skopeoSteps(builder: ImageStepBase & { readonly imageHasTools: boolean }, ctx: ImageStepContext): ImageStepBinding {
  const imageStep: k8s.Container = {
    name: 'image',
    image: builder.image,
    imagePullPolicy: 'IfNotPresent',
    command: ['bash', `${BUILD_PATHS.build}/bake-image-oci.sh`],
    env: [
      ...ctx.proxyEnv,
      { name: BUILD_ENV.image, value: ctx.imageRef },
      { name: BUILD_ENV.baseImage, value: builder.baseImage },
      { name: BUILD_ENV.buildIdentity, value: ctx.buildIdentity },
      ...(ctx.insecureRegistry ? [{ name: BUILD_ENV.insecureRegistry, value: 'true' }] : []),
      ...(ctx.registryCa ? [{ name: BUILD_ENV.registryCaDir, value: BUILD_PATHS.registryCa }] : []),
      ...workspaceLimitEnv(ctx.workspace),
      { name: 'HOME', value: '/tmp' },
      // skopeo keeps big blobs in TMPDIR (default /var/tmp, read-only here)
      { name: 'TMPDIR', value: '/tmp' },
      ...(ctx.pushSecretName ? [{ name: 'REGISTRY_AUTH_FILE', value: `${BUILD_PATHS.push}/config.json` }] : []),
    ],
    volumeMounts: [
      BUILD_MOUNTS.build,
      BUILD_MOUNTS.workspace,
      BUILD_MOUNTS.tmp,
      ...(ctx.pushSecretName ? [BUILD_MOUNTS.push] : []),
      ...(ctx.registryCa ? [BUILD_MOUNTS.registryCa] : []),
    ],
    resources: stepResources('250m', '256Mi', '1Gi', ctx.workspace),
    securityContext: stepSecurity(builder.imageHasTools),
  };
  const checkStep = { ...imageStep, name: 'check', env: [...imageStep.env!, { name: BUILD_ENV.checkOnly, value: 'true' }] };
  return { imageStep, checkStep };
}

/** `crane append` (bake-image.sh), as non-root. */
export function craneSteps(builder: ImageStepBase, ctx: ImageStepContext): ImageStepBinding {
  return {
    imageStep: {
      name: 'image',
      image: builder.image,
      imagePullPolicy: 'IfNotPresent',
      command: ['sh', `${BUILD_PATHS.build}/bake-image.sh`],
      env: [
        ...ctx.proxyEnv,
        { name: BUILD_ENV.image, value: ctx.imageRef },
        { name: BUILD_ENV.baseImage, value: builder.baseImage },
        { name: 'HOME', value: '/tmp' },
        ...(ctx.pushSecretName ? [{ name: 'DOCKER_CONFIG', value: BUILD_PATHS.push }] : []),
      ],
      volumeMounts: [BUILD_MOUNTS.build, BUILD_MOUNTS.workspace, ...(ctx.pushSecretName ? [BUILD_MOUNTS.push] : [])],
      resources: stepResources('250m', '256Mi', '1Gi', ctx.workspace),
      securityContext: stepSecurity(true),
    },
  };
}

/** Kaniko from the generated Dockerfile. */
export function kanikoSteps(builder: ImageStepBase, ctx: ImageStepContext): ImageStepBinding {
  return {
    imageStep: {
      name: 'image',
      image: builder.image,
      imagePullPolicy: 'IfNotPresent',
      args: [`--context=dir://${BUILD_PATHS.workspace}`, `--dockerfile=${BUILD_PATHS.build}/Dockerfile`, `--destination=${ctx.imageRef}`, '--reproducible'],
      env: ctx.proxyEnv,
      volumeMounts: [
        BUILD_MOUNTS.build,
        BUILD_MOUNTS.workspace,
        ...(ctx.pushSecretName ? [{ ...BUILD_MOUNTS.push, mountPath: '/kaniko/.docker' }] : []),
      ],
      resources: stepResources('500m', '512Mi', '2Gi', ctx.workspace),
      // Kaniko unpacks the base image over its own root filesystem: it must run as root, with
      // the same few capabilities as a step that installs its tools with apt.
      securityContext: rootForAptContainerSecurity(),
    },
  };
}
