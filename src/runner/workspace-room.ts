// Room on the workspace for the packages about to be downloaded. df sees the filesystem; an
// emptyDir's sizeLimit (MINI_MIRROR_WORKSPACE_LIMIT_MIB) is enforced by the kubelet evicting the
// pod, which df does not show: against that limit, what the workspace held at start and what the
// sources have already been granted count. A disk that fills up anyway (aptly's database, a
// download) is one DiskFullError saying where and what to do, never retried.
import * as fs from 'fs';
import * as path from 'path';
import { BuildError, ChildProcesses } from './proc';

export class WorkspaceRoom {
  private atStart?: Promise<number>;
  private granted = 0;

  constructor(private readonly workspace: string, private readonly limitMib: number | undefined) {}

  /** Grants `bytes` for source `id`, or fails with advice (nothing is downloaded then). */
  public async take(bytes: number, dir: string, id: string): Promise<void> {
    await fs.promises.mkdir(dir, { recursive: true });
    const stat = await fs.promises.statfs(dir);
    let free = stat.bavail * stat.bsize;
    if (this.limitMib) {
      this.atStart ??= du(this.workspace);
      free = Math.min(free, this.limitMib * 1024 * 1024 - await this.atStart - this.granted);
    }
    if (bytes > free) {
      throw new BuildError(`${id}: its packages need ${Math.ceil(bytes / 1048576)} MiB and the workspace has ${Math.max(0, Math.floor(free / 1048576))} MiB left: `
        + 'raise buildJob.mirrorSizeEstimate (--mirror-size-estimate; the workspace is 2 x the estimate + 1Gi), give buildJob.workspaceVolumeClaim (--workspace-claim) a larger claim, or mirror fewer packages');
    }
    this.granted += bytes;
  }
}

/** Bytes below `dir` (st_blocks, as du counts them). */
async function du(dir: string): Promise<number> {
  let total = 0;
  for (const e of await fs.promises.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await du(p);
    else total += ((await fs.promises.lstat(p).catch(() => undefined))?.blocks ?? 0) * 512;
  }
  return total;
}

/** The workspace filled up: fatal at once (a retry cannot help), and said once. */
export class DiskFullError extends BuildError {}

/** What to do when the workspace is too small (the Job's and the CLI's knobs). */
const MORE_ROOM = 'raise buildJob.mirrorSizeEstimate (--mirror-size-estimate; the workspace is 2 x the estimate + 1Gi), '
  + 'give buildJob.workspaceVolumeClaim (--workspace-claim) a larger claim, or, building on a host, give --out a directory on a larger disk';

/** Below this much free space, a tool's "no space left" is the workspace's and not some other disk's. */
const LOW_SPACE = 16 * 1024 * 1024;

/**
 * Whether a tool's output says the disk under `dir` is full: it says so (ENOSPC, or EDQUOT of a
 * quota) and, for ENOSPC, the filesystem is nearly full indeed (the output may quote upstream data).
 */
export async function saysDiskFull(text: string, dir: string): Promise<boolean> {
  if (/disk quota exceeded|\bEDQUOT\b/i.test(text)) return true;
  return /no space left on device|\bENOSPC\b/i.test(text) && await freeBytes(dir) < LOW_SPACE;
}

/** Free bytes of the filesystem holding `dir` (or its nearest existing parent). */
export async function freeBytes(dir: string): Promise<number> {
  for (let d = dir; ; d = path.dirname(d)) {
    const stat = await fs.promises.statfs(d).catch(() => undefined);
    if (stat) return stat.bavail * stat.bsize;
    if (path.dirname(d) === d) return Infinity;
  }
}

/**
 * The error for a full disk under `dir`: which directory, which filesystem and its free space
 * (as df sees it), what failed and what to do.
 */
export async function diskFullError(dir: string, what: string, procs: ChildProcesses): Promise<DiskFullError> {
  const free = await freeBytes(dir);
  const df = await procs.run('df', ['-P', '-k', dir], { afterStop: true }).catch(() => undefined);
  const mount = df?.code === 0 ? df.stdout.trim().split('\n').pop()?.trim().split(/\s+/).pop() : undefined;
  const where = mount && mount !== dir ? `${dir} (filesystem ${mount})` : dir;
  const left = Number.isFinite(free) ? `${(free / 1048576).toFixed(1)} MiB` : 'unknown space';
  return new DiskFullError(`the workspace is full: ${what}: no space left on ${where}, ${left} free: ${MORE_ROOM}`);
}

/** `e` as a DiskFullError when a full disk caused it (ENOSPC from node, or a tool's message); else `e`. */
export async function asDiskFull(e: unknown, dir: string, procs: ChildProcesses): Promise<unknown> {
  if (e instanceof DiskFullError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    const file = (e as NodeJS.ErrnoException).path;
    return diskFullError(file ? path.dirname(file) : dir, file ? `writing ${file} failed` : 'a write failed', procs);
  }
  // A tool's failure (gpg writing a keyring, xz, ...) that the full disk caused.
  if (e instanceof BuildError && await saysDiskFull(`${e.message}\n${e.details ?? ''}`, dir)) {
    const full = await diskFullError(dir, e.message, procs);
    full.source = e.source;
    return full;
  }
  return e;
}
