// scripts/check-cycles.ts on small trees: the runner's subfolders, and each file at its top, may
// import one another one way only.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');

function checkTree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-cycles-'));
  try {
    for (const [file, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    }
    const r = spawnSync(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--project', path.join(ROOT, 'test', 'tsconfig.json'), '--transpile-only',
      path.join(ROOT, 'scripts', 'check-cycles.ts'), dir], { cwd: ROOT, encoding: 'utf8' });
    return r.stderr;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('check-cycles: the runner folders', () => {
  test('a file at the top that imports a subfolder which imports it back is a cycle, though no file cycle', () => {
    const stderr = checkTree({
      'runner/main.ts': "import { a } from './deb/a';\nexport const main = a;\n",
      'runner/deb/a.ts': 'export const a = 1;\n',
      'runner/deb/b.ts': "import { main } from '../main';\nexport const b = main;\n",
    });
    expect(stderr).toContain('runner folder cycle among runner/deb/, runner/main.ts:');
    expect(stderr).toContain('runner/deb/ -> runner/main.ts: runner/deb/b.ts -> runner/main.ts');
    expect(stderr).not.toMatch(/^file cycle/m);
  });

  test('two subfolders that import each other are a cycle', () => {
    const stderr = checkTree({
      'runner/deb/a.ts': "import { b } from '../net/b';\nexport const a = b;\n",
      'runner/net/b.ts': 'export const b = 1;\n',
      'runner/net/c.ts': "import { a } from '../deb/a';\nexport const c = a;\n",
    });
    expect(stderr).toContain('runner folder cycle among runner/deb/, runner/net/:');
  });

  test('imports one way only are no cycle', () => {
    const stderr = checkTree({
      'runner/main.ts': "import { a } from './deb/a';\nimport { b } from './net/b';\nexport const main = a + b;\n",
      'runner/deb/a.ts': 'export const a = 1;\n',
      'runner/net/b.ts': "import { a } from '../deb/a';\nexport const b = a;\n",
    });
    expect(stderr).not.toContain('folder cycle among');
  });
});
