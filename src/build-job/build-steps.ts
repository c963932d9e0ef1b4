import { k8s } from 'cdk8s-plus-27';
import { BUILD_MOUNTS, BUILD_UID, stepResources } from './build-volumes';
import { BuildWorkspace } from './build-workspace';
import { BUILD_PATHS, GNUPG_DIR } from './paths';
import { ProxyOptions } from './proxy-options';
import { BUILD_ENV } from '../contract/env';
import { nonRootContainerSecurity, rootForAptContainerSecurity } from '../util/hardening';
import { proxyValueProblem } from '../util/proxy-url';

/** What the build Job tells an image builder about the image step it binds. */
export interface ImageStepContext {
  /** The serving image reference (`repository:tag`) to push. */
  readonly imageRef: string;
  readonly buildIdentity: string;
  /** Secret with the push credentials. */
  readonly pushSecretName?: string;
  readonly insecureRegistry: boolean;
  /** Whether the registry CA volume `registry-ca` is in the pod. */
  readonly registryCa: boolean;
  readonly workspace: BuildWorkspace;
  /** The proxy variables every step that reaches the network gets. */
  readonly proxyEnv: k8s.EnvVar[];
}

/** The steps an image builder adds to the build pod. */
export interface ImageStepBinding {
  /** The step that bakes and pushes the serving image (the pod's container). */
  readonly imageStep: k8s.Container;
  /**
   * A step before the mirror step that asks the registry whether the tag already holds this
   * build (then nothing is built or pushed).
   */
  readonly checkStep?: k8s.Container;
}

/** What an image builder puts into the build ConfigMap and the content hash. */
export interface ImageBuilderFiles {
  /** Entries of the build ConfigMap. */
  readonly files: { [key: string]: string };
  /** Entries of the content hash. */
  readonly hashed: { [key: string]: string };
  /** Images (and names) that the content hash covers. */
  readonly images: string[];
}

/** Steps that need no root run as this user with nothing writable but their volumes. */
export function stepSecurity(nonRoot: boolean): k8s.SecurityContext {
  // Root only to apt-get install the tools into a stock image.
  return nonRoot ? nonRootContainerSecurity(BUILD_UID) : rootForAptContainerSecurity();
}

/** The HTTP_PROXY family, upper- and lower-case (tools read one or the other). */
export function proxyEnv(proxy: ProxyOptions | undefined): k8s.EnvVar[] {
  const env: k8s.EnvVar[] = [];
  for (const [name, value] of [['HTTP_PROXY', proxy?.httpProxy], ['HTTPS_PROXY', proxy?.httpsProxy], ['NO_PROXY', proxy?.noProxy]] as const) {
    if (value === undefined) continue;
    const problem = proxyValueProblem(name, value);
    if (problem) throw new Error(problem);
    env.push({ name, value }, { name: name.toLowerCase(), value });
  }
  return env;
}

/** What the mirror step needs to know. */
export interface MirrorStepOptions {
  readonly image: string;
  /** The image has the tools: run as non-root with a read-only root filesystem. */
  readonly hasTools: boolean;
  readonly cpu: string;
  readonly memory: string;
  readonly workspace: BuildWorkspace;
  readonly proxyEnv: k8s.EnvVar[];
  /** Mounts the release signing adds (its Secret). */
  readonly signingMounts: k8s.VolumeMount[];
  /** Set when a check step runs first: the mirror step skips a build the registry already holds. */
  readonly buildIdentity?: string;
}

/** The step that mirrors, verifies, signs and publishes every source (build-mirror.sh). */
export function mirrorStep(opts: MirrorStepOptions): k8s.Container {
  return {
    name: 'mirror',
    image: opts.image,
    imagePullPolicy: 'IfNotPresent',
    command: ['bash', `${BUILD_PATHS.build}/build-mirror.sh`],
    env: [
      ...opts.proxyEnv,
      { name: 'HOME', value: '/tmp' },
      { name: BUILD_ENV.gnupgDir, value: GNUPG_DIR },
      // the runner checks for room before downloading (df does not see an emptyDir's sizeLimit)
      ...workspaceLimitEnv(opts.workspace),
      ...(opts.buildIdentity !== undefined ? [{ name: BUILD_ENV.buildIdentity, value: opts.buildIdentity }] : []),
    ],
    volumeMounts: [BUILD_MOUNTS.sources, BUILD_MOUNTS.build, BUILD_MOUNTS.workspace, BUILD_MOUNTS.tmp, BUILD_MOUNTS.gnupg, ...opts.signingMounts],
    resources: stepResources(opts.cpu, opts.memory, opts.memory, opts.workspace),
    // Root only to apt-get install aptly/gnupg/curl/jq into the stock image. Set
    // mirrorImageHasTools with a prepared image to run this step as non-root.
    securityContext: stepSecurity(opts.hasTools),
  };
}

/** `MINI_MIRROR_WORKSPACE_LIMIT_MIB` for an emptyDir workspace (df does not see its sizeLimit). */
export function workspaceLimitEnv(workspace: BuildWorkspace): k8s.EnvVar[] {
  return workspace.limitMib ? [{ name: BUILD_ENV.workspaceLimitMib, value: String(workspace.limitMib) }] : [];
}
