import { k8s } from 'cdk8s-plus-27';
import { BuildWorkspace } from './build-workspace';
import { BUILD_PATHS, GNUPG_DIR } from './paths';
import { SourceConfigMaps } from './source-config-maps';
import { podSecurity } from '../util/hardening';

/** The user of the build's non-root steps, and the group a non-root step reads Secrets through. */
export const BUILD_UID = 65532;

/** The mounts of the build pod's volumes, one definition each. */
export const BUILD_MOUNTS = {
  sources: { name: 'sources', mountPath: BUILD_PATHS.sources, readOnly: true },
  build: { name: 'build', mountPath: BUILD_PATHS.build, readOnly: true },
  workspace: { name: 'workspace', mountPath: BUILD_PATHS.workspace },
  tmp: { name: 'tmp', mountPath: '/tmp' },
  gnupg: { name: 'gnupg', mountPath: GNUPG_DIR },
  push: { name: 'push', mountPath: BUILD_PATHS.push, readOnly: true },
  registryCa: { name: 'registry-ca', mountPath: BUILD_PATHS.registryCa, readOnly: true },
} satisfies { [key: string]: k8s.VolumeMount };

/** The volumes every build pod has: the sources, the build ConfigMap, the workspace, /tmp and GNUPGHOME. */
export function baseVolumes(sourceConfigMaps: SourceConfigMaps, configMapName: string, workspace: BuildWorkspace): k8s.Volume[] {
  return [
    { name: 'sources', projected: { sources: sourceConfigMaps.volumeProjections(), defaultMode: 0o444 } },
    { name: 'build', configMap: { name: configMapName, defaultMode: 0o444 } },
    workspace.volume,
    { name: 'tmp', emptyDir: {} },
    // The signing key's GNUPGHOME: memory-backed, so the key never reaches a disk, even when
    // the pod is killed before the build removes it.
    { name: 'gnupg', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('16Mi') } },
  ];
}

/** The push credentials (a `kubernetes.io/dockerconfigjson` Secret) as `config.json`, root-only. */
export function pushVolume(secretName: string | undefined): k8s.Volume[] {
  if (secretName === undefined) return [];
  return [{ name: 'push', secret: { secretName, items: [{ key: '.dockerconfigjson', path: 'config.json' }], defaultMode: 0o400 } }];
}

/**
 * The pod's securityContext. Secret files are root-owned and 0400; kubelet makes them 0440 with
 * group fsGroup when one is set. Only a non-root step that reads such a Secret needs that (and gets it).
 */
export function buildPodSecurity(containers: k8s.Container[], volumes: k8s.Volume[]): k8s.PodSecurityContext {
  const rootOnly = new Set(volumes.filter(v => v.secret && v.secret.defaultMode === 0o400).map(v => v.name));
  const reader = containers.some(c => c.securityContext?.runAsNonRoot === true
    && (c.volumeMounts ?? []).some(m => rootOnly.has(m.name)));
  return podSecurity({ fsGroup: reader ? BUILD_UID : undefined });
}

/** The requests (with the workspace's `ephemeral-storage`) and the memory limit of a step. */
export function stepResources(cpu: string, memory: string, memoryLimit: string, storage: BuildWorkspace): k8s.ResourceRequirements {
  return {
    requests: {
      cpu: k8s.Quantity.fromString(cpu),
      memory: k8s.Quantity.fromString(memory),
      ...(storage.ephemeralStorage ? { 'ephemeral-storage': storage.ephemeralStorage } : {}),
    },
    limits: { memory: k8s.Quantity.fromString(memoryLimit) },
  };
}
