/**
 * What the end-to-end tests assert of a finished build: one helper, so that "refused" means the
 * same everywhere (a non-zero exit, the expected words, nothing published).
 */
import * as fs from 'fs';
import { BuildResult } from './run-build';

/** stdout and stderr of a build, as one text. */
export function buildOutput(r: BuildResult): string {
  return `${r.stdout}\n${r.stderr}`;
}

/**
 * Fails the test unless `r` exited non-zero, its output holds every pattern (a string as is) and
 * it published nothing; returns that output.
 */
export function expectBuildFailed(r: BuildResult, ...patterns: Array<string | RegExp>): string {
  const out = buildOutput(r);
  if (r.exitCode === 0) throw new Error(`build unexpectedly succeeded:\n${out}`);
  for (const p of patterns) {
    if (typeof p === 'string' ? !out.includes(p) : !p.test(out)) throw new Error(`output does not match ${p}:\n${out}`);
  }
  expect(fs.existsSync(r.publicDir)).toBe(false);
  return out;
}
