import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import { BROKEN } from './broken-sources';
import { writeTree } from '../support/tree';

// The CLI as a process of its own (ts-node): exit codes and stderr as a shell sees them.
const ROOT = path.join(__dirname, '..', '..');

describe('the mini-mirror process', () => {
  const cli = path.join(ROOT, 'src', 'cli', 'main.ts');
  const exec = (...argv: string[]) => promisify(execFile)(process.execPath, ['-r', 'ts-node/register/transpile-only', cli, ...argv])
    .then(r => ({ code: 0, stdout: r.stdout, stderr: r.stderr }), e => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));

  test('prints problems without a stack trace and exits 1', async () => {
    const result = await exec('check', writeTree(BROKEN));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^mini-mirror: 4 problems in sources directory/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  test('--version finds package.json from the source file', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(await exec('--version')).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});
