import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InputProblems } from '../../src/cli/errors';
import { claimOutDir, clearPrevious, OUT_MARKER } from '../../src/cli/out-dir';

let dir: string;
beforeEach(() => dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-out-dir-')));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function problemsOf(fn: () => void): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputProblems) return e.problems;
    throw e;
  }
  return [];
}

test('a new directory is made and marked; an empty one is adopted', () => {
  claimOutDir(path.join(dir, 'a', 'b'));
  expect(fs.readdirSync(path.join(dir, 'a', 'b'))).toEqual([OUT_MARKER]);
  fs.mkdirSync(path.join(dir, 'empty'));
  claimOutDir(path.join(dir, 'empty'));
  expect(fs.readdirSync(path.join(dir, 'empty'))).toEqual([OUT_MARKER]);
});

test('a directory with files and no marker, and a file, are refused and left as they are', () => {
  fs.mkdirSync(path.join(dir, 'mine'));
  fs.writeFileSync(path.join(dir, 'mine', 'public'), 'not a mirror\n');
  expect(problemsOf(() => claimOutDir(path.join(dir, 'mine')))).toEqual([`--out ${path.join(dir, 'mine')} is not empty and was not made by mini-mirror build `
    + `(it has no ${OUT_MARKER}), and a build replaces what it finds there: give a new or empty directory`]);
  expect(fs.readdirSync(path.join(dir, 'mine'))).toEqual(['public']);
  fs.writeFileSync(path.join(dir, 'file'), '');
  expect(problemsOf(() => claimOutDir(path.join(dir, 'file')))).toEqual([`--out ${path.join(dir, 'file')} is a file, not a directory: give a new or empty directory`]);
});

test('in a marked directory, the previous results are announced and removed with the scratch directories; other files stay', () => {
  const out = path.join(dir, 'out');
  claimOutDir(out);
  for (const d of ['public/debian', 'oci/blobs', '.mounts/build', '.image-step/public', '.mini-mirror.Ab12Cd/tmp']) fs.mkdirSync(path.join(out, d), { recursive: true });
  fs.writeFileSync(path.join(out, 'README.txt'), 'a note someone left\n');
  claimOutDir(out);
  const said: string[] = [];
  clearPrevious(out, { out: l => said.push(l), err: l => said.push(l) });
  expect(said).toEqual([`mini-mirror build: replacing the previous build's public/ and oci/ in ${out}`]);
  expect(fs.readdirSync(out).sort()).toEqual([OUT_MARKER, 'README.txt']);
  said.length = 0;
  clearPrevious(out, { out: l => said.push(l), err: l => said.push(l) });
  expect(said).toEqual([]);
});
