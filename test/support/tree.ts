import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Temp dirs `writeTree` made for this test file: removed after its tests, so runs leave no litter. */
const written: string[] = [];
afterAll(() => {
  for (const dir of written.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes `{ 'a/b.txt': 'text', 'empty-dir/': '' }` below a fresh temp dir and returns the dir. */
export function writeTree(files: Record<string, string>, prefix = 'mm-tree-'): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  written.push(root);
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, rel);
    if (rel.endsWith('/')) {
      fs.mkdirSync(file, { recursive: true });
      continue;
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  return root;
}

/** The error message thrown by `fn` (fails the test when it does not throw). */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error, but none was thrown');
}
