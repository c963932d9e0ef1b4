/**
 * A full disk wherever it surfaces (node's ENOSPC, a tool's "No space left on device") is the one
 * DiskFullError; the same words with room left (e.g. quoted from upstream data) are not.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BuildError, ChildProcesses } from '../../src/runner/proc';
import { asDiskFull, DiskFullError } from '../../src/runner/workspace-room';
import { fillUntil, mountTmpfs, unmountTmpfs } from '../support/tmpfs';

/** This file's child processes (a build has its own, from its BuildRun). */
const procs = new ChildProcesses();

let dir: string;
let mnt: string | undefined;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-disk-full-'));
  mnt = mountTmpfs(path.join(dir, 'workspace'), '64m');
});
afterEach(() => {
  unmountTmpfs(mnt);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('GIVEN node fails to write with ENOSPC THEN the error names the directory, its free space and what to do', async () => {
  if (!mnt) return;
  fillUntil(mnt, 0);
  const e = await fs.promises.writeFile(path.join(mnt, 'more'), 'x').catch(err => err);
  expect(e.code).toBe('ENOSPC');
  const full = await asDiskFull(e, mnt, procs);
  expect(full).toBeInstanceOf(DiskFullError);
  expect((full as Error).message).toBe(`the workspace is full: a write failed: no space left on ${mnt}, 0.0 MiB free: `
    + 'raise buildJob.mirrorSizeEstimate (--mirror-size-estimate; the workspace is 2 x the estimate + 1Gi), give buildJob.workspaceVolumeClaim '
    + '(--workspace-claim) a larger claim, or, building on a host, give --out a directory on a larger disk');
});

test('GIVEN a tool failed saying "No space left on device" THEN it is the full disk only when the disk is nearly full; the source stays', async () => {
  if (!mnt) return;
  const toolError = () => {
    const e = new BuildError('debian/bookworm: cannot import the upstream key from https://debian.mirror.example/key.asc: gpg: error writing keyring: No space left on device');
    e.source = { id: 'debian/bookworm', logFile: '/x/log' };
    return e;
  };
  const roomy = toolError();
  expect(await asDiskFull(roomy, mnt, procs)).toBe(roomy);
  fillUntil(mnt, 0);
  const full = await asDiskFull(toolError(), mnt, procs) as DiskFullError;
  expect(full).toBeInstanceOf(DiskFullError);
  expect(full.message).toMatch(/^the workspace is full: debian\/bookworm: cannot import the upstream key .*: no space left on .*, 0\.0 MiB free: raise buildJob\.mirrorSizeEstimate/);
  expect(full.source?.id).toBe('debian/bookworm');
  const other = new Error('something else');
  expect(await asDiskFull(other, mnt, procs)).toBe(other);
});
