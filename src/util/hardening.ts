import { k8s } from 'cdk8s-plus-27';

// The one definition of how this library's pods and containers are locked down, so the build,
// serving and smoke-test workloads cannot drift apart.

/** The seccomp profile every pod and container gets (cdk8s-plus sets none). */
export const RUNTIME_DEFAULT_SECCOMP: k8s.SeccompProfile = { type: 'RuntimeDefault' };

/**
 * A container that runs as `uid` (and group `uid`) with nothing writable but its volumes, no
 * privilege, no capabilities and the runtime's default seccomp profile.
 */
export function nonRootContainerSecurity(uid: number): k8s.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: RUNTIME_DEFAULT_SECCOMP,
  };
}

/**
 * A container that must run as root only to `apt-get install` its tools into a stock image: apt
 * drops to `_apt` for downloads (SETUID/SETGID) and writes root-owned files
 * (CHOWN/FOWNER/DAC_OVERRIDE); nothing else is granted, and it cannot escalate further.
 */
export function rootForAptContainerSecurity(): k8s.SecurityContext {
  return {
    runAsUser: 0,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: false,
    capabilities: { drop: ['ALL'], add: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'] },
    seccompProfile: RUNTIME_DEFAULT_SECCOMP,
  };
}

/**
 * Pod-level settings: the default seccomp profile; with `uid`, every container runs as that
 * non-root user; with `fsGroup`, mounted Secrets are readable by that group.
 */
export function podSecurity(options: { readonly uid?: number; readonly fsGroup?: number } = {}): k8s.PodSecurityContext {
  return {
    ...(options.uid !== undefined ? { runAsNonRoot: true, runAsUser: options.uid, runAsGroup: options.uid } : {}),
    ...(options.fsGroup !== undefined ? { fsGroup: options.fsGroup } : {}),
    seccompProfile: RUNTIME_DEFAULT_SECCOMP,
  };
}
