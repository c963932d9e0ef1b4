/**
 * aptly's crashes and a full disk under aptly, with the real aptly: a panic is one explained error
 * (which command, the panic's first line, what to do) whether aptly ran alone or in a task, never
 * a result a caller retries; "no space left on device" is the full disk's one message.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Aptly } from '../../../src/runner/aptly/aptly';
import { explainPanic } from '../../../src/runner/aptly/panics';
import { BuildError, ChildProcesses } from '../../../src/runner/proc';
import { DiskFullError } from '../../../src/runner/workspace-room';
import { buildDeb } from '../../support/archive-builder';
import { fillUntil, mountTmpfs, unmountTmpfs } from '../../support/tmpfs';

/** This file's child processes (a build has its own, from its BuildRun). */
const procs = new ChildProcesses();

let dir: string;
let mnt: string | undefined;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-aptly-crash-'));
});
afterEach(() => {
  unmountTmpfs(mnt);
  mnt = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

function aptlyIn(root: string): Aptly {
  fs.writeFileSync(path.join(dir, 'aptly.conf'), JSON.stringify({ rootDir: root, architectures: ['amd64'] }));
  return new Aptly(path.join(dir, 'aptly.conf'), path.join(dir, 'gnupg'), path.join(dir, 'log'), procs);
}

/** A local repo holding a package named `lib` (aptly 1.5.0 panics publishing it). */
async function repoWithLib(aptly: Aptly): Promise<void> {
  const deb = path.join(dir, 'lib_1.0_all.deb');
  await buildDeb({ name: 'lib', version: '1.0' }, deb);
  await aptly.run(['repo', 'create', '-distribution=bookworm', '-component=main', 'r'], 'create failed');
  await aptly.run(['repo', 'add', 'r', deb], 'add failed');
}

const PANIC = /^publish failed: aptly crashed in `aptly publish repo` \(panic: runtime error: slice bounds out of range \[:4\] with length 3\): aptly 1\.5\.0 crashes on a package whose source package name is "lib"/;

test('GIVEN aptly panics WHEN run alone, even with allowFail THEN a BuildError explains it and keeps the trace in its details', async () => {
  const aptly = aptlyIn(path.join(dir, 'root'));
  await repoWithLib(aptly);
  const err = await aptly.run(['publish', 'repo', '-skip-signing', 'r'], 'publish failed', { allowFail: true }).catch(e => e);
  expect(err).toBeInstanceOf(BuildError);
  expect(err.message).toMatch(PANIC);
  expect(err.message).not.toMatch(/goroutine/);
  expect(err.details).toMatch(/goroutine \d+/);
});

test('GIVEN aptly panics inside a task THEN the error names the command of the task that crashed, and nothing runs it again', async () => {
  const aptly = aptlyIn(path.join(dir, 'root'));
  await repoWithLib(aptly);
  await expect(aptly.task([['repo', 'show', 'r'], ['publish', 'repo', '-skip-signing', 'r'], ['repo', 'list']], 'publish failed')).rejects.toThrow(PANIC);
  expect(fs.readFileSync(path.join(dir, 'log'), 'utf8').match(/^\$ aptly /gm)).toHaveLength(3);
});

test('an unknown panic gets the general advice', () => {
  const output = '1) [Running]: mirror update m0\npanic: assignment to entry in nil map [recovered]\n\tpanic: assignment to entry in nil map\n\ngoroutine 1 [running]:\n';
  expect(explainPanic(output, ['task', 'run', 'mirror', 'update', 'm0'])).toBe('aptly crashed in `aptly mirror update` (panic: assignment to entry in nil map): '
    + 'this is a bug in aptly that this upstream\'s data triggers: leave the packages this command was working on out of packages.txt, and report it to aptly with the trace (aptly\'s trace is above)');
  expect(explainPanic('ERROR: unable to update\n', ['mirror', 'update', 'm0'])).toBeUndefined();
});

test('GIVEN aptly\'s rootDir on a full disk THEN a DiskFullError naming it and what to do', async () => {
  mnt = mountTmpfs(path.join(dir, 'disk'), '4m');
  if (!mnt) return;
  const aptly = aptlyIn(path.join(mnt, 'root'));
  fillUntil(mnt, 0);
  const err = await aptly.run(['repo', 'create', 'r'], 'create failed', { allowFail: true }).catch(e => e);
  expect(err).toBeInstanceOf(DiskFullError);
  expect(err.message).toMatch(new RegExp(`^the workspace is full: aptly repo create failed: no space left on ${mnt}/root \\(filesystem ${mnt}\\), 0\\.0 MiB free: raise buildJob\\.mirrorSizeEstimate`));
});
