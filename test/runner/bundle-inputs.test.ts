// The runner bundle (assets/build-runner.js) runs in the build pod with Node.js alone: what it
// pulls in must be the runner, the contract and pure helpers, never a construct library.
import * as path from 'path';
import { buildSync } from 'esbuild';

const ROOT = path.join(__dirname, '..', '..');

test('the runner bundle holds no npm package and no construct-side file', () => {
  const result = buildSync({
    entryPoints: [path.join(ROOT, 'src', 'runner', 'main.ts')], bundle: true, platform: 'node', target: 'node18', write: false, metafile: true, logLevel: 'silent', absWorkingDir: ROOT,
  });
  const inputs = Object.keys(result.metafile!.inputs);
  expect(inputs.filter(f => f.includes('node_modules'))).toEqual([]);
  // The query parser is shared with the constructs' synth-time checks: pure code, no imports outside query/.
  const allowed = /^src\/(runner|contract|util|sources\/query)\//;
  expect(inputs.filter(f => !allowed.test(f))).toEqual([]);
  expect(inputs.some(f => f.startsWith('src/runner/'))).toBe(true);
});
