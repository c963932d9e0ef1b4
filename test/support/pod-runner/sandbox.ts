import * as fs from 'fs';
import * as path from 'path';
import { Prepared } from './container';
import { fail } from './errors';
import { octal, mkdirMode, permBits } from './modes';
import { MountInfo } from './mounts';
import { cleanAbs, depth, hostCanonical, isUnder, posix } from './paths';

interface BindOp { t: 'bind'; src: string; dest: string; ro: boolean; file: boolean; label: string }
interface TmpfsOp { t: 'tmpfs'; dest: string; mode: number; label: string }
/** a tmpfs over an existing host dir with the dir's entries bound back into it (room for a missing file mount point) */
interface MergeOp { t: 'merge'; dest: string; mode: number }
/** a temp dir bound over a parent dir that does not exist on the host */
interface ShadowDirOp { t: 'shadowDir'; src: string; dest: string }
type Op = BindOp | TmpfsOp | MergeOp | ShadowDirOp;

/** the mount of `ops` that `p` lives on (ops are parent-first); undefined: the host root */
function coverOf(ops: Op[], p: string, before: number): Op | undefined {
  let cover: Op | undefined;
  for (let i = 0; i < before; i++) if (isUnder(p, ops[i].dest)) cover = ops[i];
  return cover;
}

/**
 * The binds of a container, parent first: volume mounts, the image's files, the termination log. Destinations
 * are canonical: host symlinks (e.g. /var/run -> /run) on the host-covered part resolved, like bwrap will.
 */
function bindOps(mounts: MountInfo[], p: Prepared, privs: string[], termLog: string): BindOp[] {
  const binds: BindOp[] = [];
  for (const v of mounts) {
    const covered = privs.some(d => isUnder(v.mountPath, d)) || binds.some(c => isUnder(v.mountPath, c.dest) && c.dest !== v.mountPath);
    binds.push({
      t: 'bind',
      dest: covered ? v.mountPath : hostCanonical(v.mountPath),
      src: v.hostPath,
      ro: v.readOnly,
      file: v.isFile,
      label: `volume "${v.volume.name}" (${v.volume.type})`,
    });
  }
  for (const f of p.imageFiles) {
    binds.push({ t: 'bind', dest: hostCanonical(f.dest), src: f.src, ro: true, file: !fs.statSync(f.src).isDirectory(), label: `image file ${f.dest}` });
  }
  binds.push({ t: 'bind', dest: p.terminationMessagePath, src: termLog, ro: false, file: true, label: 'terminationMessagePath' });
  return binds.sort((a, b) => depth(a.dest) - depth(b.dest));
}

/** /dev, /proc, /sys (covers only: bwrap makes them) and a tmpfs per private dir */
function baseOps(privs: string[]): Op[] {
  return [
    { t: 'tmpfs', dest: '/dev', mode: 0o755, label: '/dev' },
    { t: 'tmpfs', dest: '/proc', mode: 0o555, label: '/proc' },
    { t: 'tmpfs', dest: '/sys', mode: 0o555, label: '/sys' },
    ...privs.map(d => ({ t: 'tmpfs' as const, dest: d, mode: d === '/tmp' || d === '/var/tmp' ? 0o1777 : d === '/root' ? 0o700 : 0o755, label: d })),
  ];
}

/** missing file mount points on the host need a shadow of their parent, so that no file is left on the host */
function shadowOps(base: Op[], binds: BindOp[], shadowRoot: string): Op[] {
  const shadows = new Map<string, Op>();
  const all = [...base, ...binds];
  for (const [j, op] of binds.entries()) {
    if (!op.file || coverOf(all, op.dest, base.length + j) !== undefined || fs.existsSync(op.dest)) continue;
    const parent = posix.dirname(op.dest);
    if (parent === '/' || shadows.has(parent)) continue;
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(parent);
    } catch {
      st = undefined;
    }
    if (st?.isDirectory()) {
      shadows.set(parent, { t: 'merge', dest: parent, mode: permBits(st.mode) });
    } else if (!st) {
      const src = path.join(shadowRoot, String(shadows.size));
      mkdirMode(src, 0o755);
      shadows.set(parent, { t: 'shadowDir', src, dest: parent });
    }
  }
  return [...shadows.values()];
}

/** what the container runtime would fail on: mount points below a file mount, missing in a read-only mount, of the wrong type */
function checkMountPoints(ops: Op[], from: number, container: string): void {
  for (let i = from; i < ops.length; i++) {
    const op = ops[i];
    if (op.t !== 'bind') continue;
    const cover = coverOf(ops, op.dest, i);
    if (cover?.t !== 'bind') continue;
    const prefix = `container "${container}": cannot mount ${op.label} at ${op.dest}`;
    if (cover.file) fail(`${prefix}: it is below a file mount (${cover.dest})`);
    const physical = path.join(cover.src, posix.relative(cover.dest, op.dest));
    if (!fs.existsSync(physical)) {
      if (cover.ro) {
        fail(`${prefix}: the mount point does not exist inside the read-only `
          + `mount ${cover.dest} (${cover.label}); a real container runtime fails too ("read-only file system")`);
      }
    } else if (fs.statSync(physical).isDirectory() === op.file) {
      fail(`${prefix}: the mount point inside ${cover.dest} (${cover.label}) is a `
        + `${op.file ? 'directory' : 'file'} (kubelet creates nested mount points as directories)`);
    }
  }
}

/** bwrap arguments of a merge op: a tmpfs with the host dir's entries bound (or symlinked) back */
function mergeArgs(op: MergeOp, binds: BindOp[], args: string[], remount: string[]): void {
  args.push('--perms', octal(op.mode), '--tmpfs', op.dest);
  remount.push(op.dest);
  for (const e of fs.readdirSync(op.dest, { withFileTypes: true })) {
    const child = posix.join(op.dest, e.name);
    if (e.isSymbolicLink()) {
      args.push('--symlink', fs.readlinkSync(child), child);
    } else {
      args.push('--dev-bind', child, child);
      // (a volume mounted right there is the top mount at that path and must keep its own flags)
      if (!binds.some(v => v.dest === child)) remount.push(child);
    }
  }
}

/** bwrap arguments of the ops (after /dev, /proc, /sys) and the paths to remount read-only for readOnlyRootFilesystem */
function opArgs(ops: Op[], binds: BindOp[]): { args: string[]; remount: string[] } {
  const args: string[] = [];
  const remount: string[] = ['/'];
  for (const op of ops.slice(3)) {
    switch (op.t) {
      case 'tmpfs':
        args.push('--perms', octal(op.mode), '--tmpfs', op.dest);
        remount.push(op.dest);
        break;
      case 'merge':
        mergeArgs(op, binds, args, remount);
        break;
      case 'shadowDir':
        // --dir: bwrap would create missing parents of a bind destination with mode 0700; runtimes use 0755
        args.push('--dir', op.dest, '--bind', op.src, op.dest);
        remount.push(op.dest);
        break;
      case 'bind':
        args.push('--dir', op.file ? posix.dirname(op.dest) : op.dest, op.ro ? '--ro-bind' : '--bind', op.src, op.dest);
        break;
    }
  }
  return { args, remount };
}

/** whether the working dir exists in the container's filesystem (else bwrap must create it) */
function workingDirExists(ops: Op[], workingDir: string): boolean {
  const cover = coverOf(ops, workingDir, ops.length);
  if (cover === undefined || cover.t === 'merge') return fs.existsSync(workingDir);
  if (cover.t === 'bind' || cover.t === 'shadowDir') return fs.existsSync(path.join(cover.src, posix.relative(cover.dest, workingDir)));
  return cover.dest === workingDir;
}

/**
 * bwrap arguments for a container's filesystem: private dirs, volume mounts (parent first),
 * shadows for missing file mount points, the termination log, read-only remounts.
 */
export function sandboxArgs(mounts: MountInfo[], p: Prepared, privateDirs: string[], termLog: string, shadowRoot: string, devDir?: string): string[] {
  const sorted = [...mounts].sort((a, b) => depth(a.mountPath) - depth(b.mountPath));
  const privs = privateDirs.map(d => cleanAbs(d, 'privateDirs')).filter(d => !sorted.some(v => isUnder(d, v.mountPath)));
  const binds = bindOps(sorted, p, privs, termLog);
  const base = baseOps(privs);
  const ops: Op[] = [...base, ...[...shadowOps(base, binds, shadowRoot), ...binds].sort((a, b) => depth(a.dest) - depth(b.dest))];
  checkMountPoints(ops, base.length, p.name);

  const args: string[] = ['--dev-bind', '/', '/'];
  if (devDir) args.push('--dev-bind', devDir, '/dev', '--perms', '1777', '--tmpfs', '/dev/shm');
  else args.push('--dev', '/dev');
  args.push('--proc', '/proc', '--ro-bind', '/sys', '/sys');
  const { args: mountArgs, remount } = opArgs(ops, binds);
  args.push(...mountArgs);
  if (!workingDirExists(ops, p.workingDir)) args.push('--dir', p.workingDir);
  if (p.readOnlyRoot) for (const r of remount) args.push('--remount-ro', r);
  return args;
}
