// The --out directory of `mini-mirror build`: made by it (a marker file says so), never a directory
// that holds someone's files, since a build replaces what it finds there.
import * as fs from 'fs';
import * as path from 'path';
import { InputProblems } from './errors';
import { Output } from './output';

/** Written into a directory `mini-mirror build` made; only such a directory is reused. */
export const OUT_MARKER = '.mini-mirror-out';

/** What a build writes into --out: the signed tree and the OCI layout. */
export const RESULTS = ['public', 'oci'] as const;

/** Scratch directories of a build in --out (`.mini-mirror.*` are the runner's work directories). */
export const SCRATCH = ['.mounts', '.image-step'];

/** Makes --out (or adopts an empty one) and marks it; refuses anything else. */
export function claimOutDir(out: string): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(out);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new InputProblems([`--out ${out} is a file, not a directory: give a new or empty directory`]);
    if (code !== 'ENOENT') throw new InputProblems([`--out ${out} cannot be read (${code}): give a directory you can write`]);
    entries = [];
  }
  if (entries.length && !entries.includes(OUT_MARKER)) {
    throw new InputProblems([`--out ${out} is not empty and was not made by mini-mirror build (it has no ${OUT_MARKER}), and a build replaces what it finds there: `
      + 'give a new or empty directory']);
  }
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, OUT_MARKER), 'made by mini-mirror build: the next build into this directory replaces its public/ and oci/\n');
}

/** Under the lock: says which results of an earlier build are replaced, removes them and any leftovers. */
export function clearPrevious(out: string, io: Output): void {
  const previous = RESULTS.filter(r => fs.existsSync(path.join(out, r)));
  if (previous.length) {
    io.out(`mini-mirror build: replacing the previous build's ${previous.map(r => `${r}/`).join(' and ')} in ${out}`);
  }
  // Only what a build writes: anything else in the directory is left alone.
  for (const entry of fs.readdirSync(out)) {
    if ((RESULTS as readonly string[]).includes(entry) || SCRATCH.includes(entry) || entry.startsWith('.mini-mirror.')) {
      fs.rmSync(path.join(out, entry), { recursive: true, force: true });
    }
  }
}
