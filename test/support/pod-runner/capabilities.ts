import { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import { fail } from './errors';

/** containerd's default capability set for non-privileged containers */
const DEFAULT_CAPS = [
  'chown', 'dac_override', 'fsetid', 'fowner', 'mknod', 'net_raw', 'setgid', 'setuid',
  'setfcap', 'setpcap', 'net_bind_service', 'sys_chroot', 'kill', 'audit_write',
];
const ALL_CAPS = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap',
  'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner',
  'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice',
  'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease', 'audit_write', 'audit_control', 'setfcap',
  'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf',
  'checkpoint_restore',
];

function normalizeCap(cap: string): string {
  const c = String(cap).toLowerCase();
  return c.startsWith('cap_') ? c.slice(4) : c;
}

/** the container's capabilities (lowercase, without `cap_`), as containerd derives them from the default set and add/drop */
export function containerCapabilities(sc: ISecurityContext, where: string): string[] {
  const add: string[] = (sc.capabilities?.add ?? []).map(normalizeCap);
  const drop: string[] = (sc.capabilities?.drop ?? []).map(normalizeCap);
  let caps = new Set<string>(DEFAULT_CAPS);
  if (add.includes('all')) caps = new Set(ALL_CAPS);
  if (drop.includes('all')) caps = new Set();
  for (const x of [...add, ...drop]) {
    if (x !== 'all' && !ALL_CAPS.includes(x)) fail(`${where}: unknown capability "${x}"`);
  }
  for (const x of add) if (x !== 'all') caps.add(x);
  for (const x of drop) caps.delete(x);
  return [...caps];
}
