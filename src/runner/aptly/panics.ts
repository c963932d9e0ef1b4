// aptly crashes (Go panics) on some upstream data instead of reporting an error. A panic's stack
// trace tells a user nothing: the build says which source, which aptly command, the panic's first
// line and what to do, and refuses input it knows aptly panics on before running aptly at all.
import { fieldOf, IndexEntry } from '../deb/packages-index';
import { BuildError } from '../proc';

/** The source name aptly files a package under in its pool: `Source` without its version, else the name. */
export function poolSourceName(e: IndexEntry): string {
  const source = fieldOf(e.stanza, 'Source');
  return source ? source.replace(/\s*\(.*$/, '').trim() : e.name;
}

/**
 * aptly 1.5.0 files a source `libX...` under `pool/<component>/libX/` and takes the first four
 * characters of the name without checking its length: a source named `lib` panics (slice bounds
 * out of range [:4] with length 3) in `mirror update` or `publish`, whichever reaches it first.
 */
export function checkPoolNames(entries: readonly IndexEntry[], id: string): void {
  const bad = entries.filter(e => /^lib$/.test(poolSourceName(e)));
  if (!bad.length) return;
  const names = bad.slice(0, 5).map(e => `${e.name} ${e.version} (${e.architecture})`).join(', ');
  throw new BuildError(`${id}: ${names} ${bad.length > 1 ? 'have' : 'has'} the source package name "lib", which aptly 1.5.0 cannot file in its pool `
    + '(it crashes taking the name\'s first four characters): leave them, and the queries that pull them in as dependencies, out of packages.txt');
}

/** Known panics: the first line's pattern, and what it means for the user. */
const KNOWN: ReadonlyArray<readonly [RegExp, string]> = [
  [/slice bounds out of range \[:4\] with length 3/, 'aptly 1.5.0 crashes on a package whose source package name is "lib" (it files sources '
    + 'starting with "lib" under their first four characters): leave that package, and what depends on it, out of packages.txt'],
];

/** The panic in aptly's output, as a one-line explanation; undefined when aptly did not panic. */
export function explainPanic(output: string, args: readonly string[]): string | undefined {
  const first = /^panic: (.*)$/m.exec(output);
  if (!first) return undefined;
  // A panic inside a deferred recover repeats itself: "x [recovered]\n\tpanic: x".
  const line = first[1].replace(/\s*\[recovered\]\s*$/, '');
  // In `aptly task run`, the command that crashed is the last one it started.
  const running = [...output.matchAll(/^\d+\) \[Running\]: (.*)$/gm)].pop()?.[1].split(' ');
  const command = (args[0] === 'task' && running ? running : args).filter(a => !a.startsWith('-')).slice(0, 2).join(' ');
  const known = KNOWN.find(([re]) => re.test(line));
  const todo = known ? known[1]
    : 'this is a bug in aptly that this upstream\'s data triggers: leave the packages this command was working on out of packages.txt, and report it to aptly with the trace';
  return `aptly crashed in \`aptly ${command}\` (panic: ${line}): ${todo} (aptly's trace is above)`;
}
