// Synth at scale: wall time and peak RSS for N sources x Q queries, against emitting the same
// ConfigMap data as raw ApiObjects, in the same run. Prints figures; asserts nothing.
// usage: npm run bench:synth [-- --quick]
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const quick = process.argv.includes('--quick');
const SOURCES = quick ? [1, 10, 100] : [1, 10, 100, 500];
const QUERIES = quick ? [100, 1000] : [100, 1000, 5000];
// Query shapes as package lists mix them; names differ per source, as in real mirrors.
const QUERY_SHAPES = [
  (s: number, i: number) => `package-${s}-${i}`,
  (s: number, i: number) => `lib-component-${s}-${i} (>= 1.${i}.0-1)`,
  (s: number, i: number) => `tool-${s}-${i} {amd64}`,
  (s: number, i: number) => `python3-module-${s}-${i} (>= 3.11~) | python3-alt-${s}-${i}`,
];

function makeSources(n: number, q: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mm-bench-${n}x${q}-`));
  for (let s = 0; s < n; s++) {
    const d = path.join(dir, `prefix${s % 10}`, `source${s}`);
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, 'source.txt'), `http://debian.mirror.example/debian https://debian.mirror.example/key.asc dist${s} main contrib\n`);
    const packages = Array.from({ length: q }, (_, i) => QUERY_SHAPES[i % QUERY_SHAPES.length](s, i));
    fs.writeFileSync(path.join(d, 'packages.txt'), packages.join('\n') + '\n');
  }
  return dir;
}

function measure(mode: string, dir: string) {
  const out = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'synth-case.ts'), mode, dir], {
    encoding: 'utf8', maxBuffer: 1024 * 1024, env: { ...process.env, TS_NODE_PROJECT: path.join(__dirname, '..', 'test', 'tsconfig.json') },
  });
  return JSON.parse(out) as { ms: number; maxRssMiB: number; objects: number; maxObjectBytes: number };
}

// Fixed cost: what the smallest case costs over its baseline (the signing-key check runs openpgp
// in a child process; the build Job, server, client and smoke-test objects). The last column is
// the ratio with it taken off, i.e. what grows with the sources.
let fixedMs: number | undefined;
console.log('sources x queries | MiniMirror ms | peak RSS MiB | objects | largest object KiB | raw ApiObjects ms | raw RSS MiB | time ratio | ratio less fixed cost');
for (const n of SOURCES) {
  for (const q of QUERIES) {
    const dir = makeSources(n, q);
    const full = measure('construct', dir);
    const raw = measure('raw', dir);
    fixedMs ??= full.ms - raw.ms;
    console.log([
      `${n} x ${q}`.padEnd(17), full.ms.toFixed(0).padStart(13), full.maxRssMiB.toFixed(0).padStart(12), String(full.objects).padStart(7),
      (full.maxObjectBytes / 1024).toFixed(0).padStart(18), raw.ms.toFixed(0).padStart(17), raw.maxRssMiB.toFixed(0).padStart(11),
      (full.ms / raw.ms).toFixed(2).padStart(10), ((full.ms - fixedMs) / raw.ms).toFixed(2).padStart(21),
    ].join(' | '));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
console.log(`fixed cost (1 x ${QUERIES[0]} over its baseline): ${fixedMs!.toFixed(0)} ms`);
console.log('target: 500 x 1000 under 5000 ms and 512 MiB, ratio <= 1.5, no object over 1 MiB');
