// Room on the workspace for the packages about to be downloaded. df sees the filesystem; an
// emptyDir's sizeLimit (MINI_MIRROR_WORKSPACE_LIMIT_MIB) is enforced by the kubelet evicting the
// pod, which df does not show: against that limit, what the workspace held at start and what the
// sources have already been granted count.
import * as fs from 'fs';
import * as path from 'path';
import { BuildError } from './proc';

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
