/**
 * A checker for the Kubernetes Pod Security Standards (https://kubernetes.io/docs/concepts/security/pod-security-standards/),
 * profiles "baseline" and "restricted" (restricted includes every baseline control), following the
 * policy of the current version as Pod Security Admission enforces it. It checks a pod spec (with
 * the pod's annotations for AppArmor) taken from any synthesized workload object.
 */

export type PssLevel = 'baseline' | 'restricted';

export interface PssViolation {
  readonly level: PssLevel;
  /** Control name, as on the Pod Security Standards page. */
  readonly control: string;
  /** `pod`, or the container's name. */
  readonly where: string;
  readonly message: string;
}

/** Capabilities baseline allows to be added. */
const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);
/** The "safe" sysctls baseline allows. */
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
/** Volume types restricted allows. */
const RESTRICTED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const APPARMOR_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

/** The pod template (metadata + spec) of a Pod, Job, CronJob, Deployment, StatefulSet, DaemonSet or ReplicaSet. */
export function podTemplateOf(obj: any): { metadata: any; spec: any } {
  switch (obj.kind) {
    case 'Pod': return { metadata: obj.metadata ?? {}, spec: obj.spec };
    case 'CronJob': return obj.spec.jobTemplate.spec.template;
    default:
      if (!obj.spec?.template?.spec) throw new Error(`${obj.kind} ${obj.metadata?.name} has no pod template`);
      return { metadata: obj.spec.template.metadata ?? {}, spec: obj.spec.template.spec };
  }
}

/**
 * Every violation of `level` by the workload's pod (restricted reports baseline violations too,
 * labelled with the level that defines the control).
 */
export function checkPodSecurity(obj: any, level: PssLevel = 'restricted'): PssViolation[] {
  const { metadata, spec } = podTemplateOf(obj);
  const out: PssViolation[] = [];
  const add = (lvl: PssLevel, control: string, where: string, message: string) => {
    if (level === 'restricted' || lvl === 'baseline') out.push({ level: lvl, control, where, message });
  };
  const podSc = spec.securityContext ?? {};
  const containers: any[] = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];

  // ---- baseline
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (spec[field] === true) add('baseline', 'Host Namespaces', 'pod', `${field} is true`);
  }
  if (podSc.windowsOptions?.hostProcess === true) add('baseline', 'HostProcess', 'pod', 'windowsOptions.hostProcess is true');
  for (const v of spec.volumes ?? []) {
    if (v.hostPath) add('baseline', 'HostPath Volumes', 'pod', `volume ${v.name} is a hostPath`);
  }
  for (const sysctl of podSc.sysctls ?? []) {
    if (!SAFE_SYSCTLS.has(sysctl.name)) add('baseline', 'Sysctls', 'pod', `sysctl ${sysctl.name} is not in the safe set`);
  }
  checkSeLinux(podSc.seLinuxOptions, 'pod', add);
  checkSeccompBaseline(podSc.seccompProfile, 'pod', add);
  checkAppArmorProfile(podSc.appArmorProfile, 'pod', add);
  for (const [key, value] of Object.entries<string>(metadata.annotations ?? {})) {
    if (key.startsWith(APPARMOR_PREFIX) && value !== 'runtime/default' && !value.startsWith('localhost/')) {
      add('baseline', 'AppArmor', key.slice(APPARMOR_PREFIX.length), `AppArmor annotation is ${value}`);
    }
  }

  for (const c of containers) {
    const sc = c.securityContext ?? {};
    const name = c.name;
    if (sc.windowsOptions?.hostProcess === true) add('baseline', 'HostProcess', name, 'windowsOptions.hostProcess is true');
    if (sc.privileged === true) add('baseline', 'Privileged Containers', name, 'privileged is true');
    for (const cap of sc.capabilities?.add ?? []) {
      if (!BASELINE_CAPABILITIES.has(cap)) add('baseline', 'Capabilities', name, `adds capability ${cap}`);
    }
    for (const port of c.ports ?? []) {
      if (port.hostPort !== undefined && port.hostPort !== 0) add('baseline', 'Host Ports', name, `hostPort ${port.hostPort}`);
    }
    checkSeLinux(sc.seLinuxOptions, name, add);
    if (sc.procMount !== undefined && sc.procMount !== 'Default') add('baseline', '/proc Mount Type', name, `procMount is ${sc.procMount}`);
    checkSeccompBaseline(sc.seccompProfile, name, add);
    checkAppArmorProfile(sc.appArmorProfile, name, add);
  }

  // ---- restricted
  for (const v of spec.volumes ?? []) {
    const type = Object.keys(v).find((k) => k !== 'name');
    if (type && !RESTRICTED_VOLUME_TYPES.has(type)) add('restricted', 'Volume Types', 'pod', `volume ${v.name} is of type ${type}`);
  }
  if (podSc.runAsUser === 0) add('restricted', 'Running as Non-root user', 'pod', 'runAsUser is 0');
  const podNonRoot = podSc.runAsNonRoot === true;
  if (podSc.runAsNonRoot === false) add('restricted', 'Running as Non-root', 'pod', 'runAsNonRoot is false');
  const podSeccomp = podSc.seccompProfile?.type;
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    const name = c.name;
    if (sc.allowPrivilegeEscalation !== false) add('restricted', 'Privilege Escalation', name, 'allowPrivilegeEscalation is not false');
    if (sc.runAsNonRoot === false) add('restricted', 'Running as Non-root', name, 'runAsNonRoot is false');
    else if (sc.runAsNonRoot !== true && !podNonRoot) add('restricted', 'Running as Non-root', name, 'runAsNonRoot is not true (neither on the container nor on the pod)');
    if (sc.runAsUser === 0) add('restricted', 'Running as Non-root user', name, 'runAsUser is 0');
    const seccomp = sc.seccompProfile?.type ?? podSeccomp;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
      add('restricted', 'Seccomp', name, `seccompProfile is ${seccomp ?? 'not set'} (neither on the container nor on the pod)`);
    }
    const drop: string[] = sc.capabilities?.drop ?? [];
    if (!drop.includes('ALL')) add('restricted', 'Capabilities', name, 'does not drop ALL capabilities');
    for (const cap of sc.capabilities?.add ?? []) {
      if (cap !== 'NET_BIND_SERVICE' && BASELINE_CAPABILITIES.has(cap)) add('restricted', 'Capabilities', name, `adds capability ${cap}`);
    }
  }
  return out;
}

type Add = (lvl: PssLevel, control: string, where: string, message: string) => void;

function checkSeLinux(opts: any, where: string, add: Add) {
  if (!opts) return;
  if (opts.type !== undefined && !SELINUX_TYPES.has(opts.type)) add('baseline', 'SELinux', where, `seLinuxOptions.type is ${opts.type}`);
  if (opts.user !== undefined && opts.user !== '') add('baseline', 'SELinux', where, 'seLinuxOptions.user is set');
  if (opts.role !== undefined && opts.role !== '') add('baseline', 'SELinux', where, 'seLinuxOptions.role is set');
}

function checkSeccompBaseline(profile: any, where: string, add: Add) {
  if (profile?.type === 'Unconfined') add('baseline', 'Seccomp', where, 'seccompProfile is Unconfined');
}

function checkAppArmorProfile(profile: any, where: string, add: Add) {
  if (profile?.type !== undefined && profile.type !== 'RuntimeDefault' && profile.type !== 'Localhost') {
    add('baseline', 'AppArmor', where, `appArmorProfile is ${profile.type}`);
  }
}

/** One line per violation, e.g. `restricted/Privilege Escalation mirror: allowPrivilegeEscalation is not false`. */
export function formatViolations(violations: readonly PssViolation[]): string[] {
  return violations.map((v) => `${v.level}/${v.control} ${v.where}: ${v.message}`);
}
