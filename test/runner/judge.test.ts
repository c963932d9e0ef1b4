import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { summarize } from '../../src/runner/judge';

const doseAvailable = spawnSync('dose-debcheck', ['--version']).status === 0;

/** dose-debcheck's report on a Packages file, as judgeWorld runs it. */
function dose(packages: string, arch = 'amd64'): { code: number; stdout: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-judge-'));
  try {
    const file = path.join(dir, 'Packages');
    fs.writeFileSync(file, packages);
    const r = spawnSync('dose-debcheck', [`--deb-native-arch=${arch}`, '-e', '-f', file], { encoding: 'utf8' });
    return { code: r.status ?? -1, stdout: r.stdout };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const stanza = (name: string, version: string, arch: string, extra = '') => `Package: ${name}\nVersion: ${version}\nArchitecture: ${arch}\n${extra}\n`;

(doseAvailable ? describe : describe.skip)('summarize (on real dose-debcheck reports)', () => {
  test('GIVEN missing dependencies, a deep chain and a conflict THEN one line per broken package and reason', () => {
    const r = dose([
      stanza('app', '1.0', 'all', 'Depends: libx (>= 2), missing-one | missing-two'),
      stanza('libx', '2.0', 'amd64'),
      stanza('tool', '1', 'amd64', 'Depends: mid'),
      stanza('mid', '1', 'amd64', 'Depends: libgone (>= 3)'),
      stanza('clash', '1', 'amd64', 'Depends: libx, enemy'),
      stanza('enemy', '1', 'amd64', 'Conflicts: libx'),
    ].join('\n'));
    expect(r.code).toBe(1);
    expect(summarize(r.stdout).split('\n').sort()).toEqual([
      '  app: unsat-dependency missing-one:amd64 | missing-two:amd64',
      '  clash: unsat-conflict libx:amd64',
      '  mid: unsat-dependency libgone:amd64 (>= 3)',
      '  tool: unsat-dependency libgone:amd64 (>= 3)',
    ]);
  });

  test('GIVEN more than 20 broken packages THEN the first 20 are shown and the rest counted', () => {
    const many = Array.from({ length: 25 }, (_, i) => stanza(`pkg${String(i).padStart(2, '0')}`, '1', 'amd64', 'Depends: nowhere')).join('\n');
    const r = dose(many);
    const lines = summarize(r.stdout).split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[20]).toBe('  ... and 5 more');
    expect(lines[0]).toMatch(/^ {2}pkg\d\d: unsat-dependency nowhere:amd64$/);
  });

  test('GIVEN an installable set THEN there are no lines and the report itself is shown', () => {
    const r = dose(stanza('ok', '1', 'amd64'));
    expect(r.code).toBe(0);
    expect(summarize(r.stdout)).toBe(r.stdout.slice(0, 2000));
  });
});
