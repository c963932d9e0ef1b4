// "Did you mean": names close to a misspelt one, by edit distance. Shared by the build runner
// (components, architectures, package names) and the CLI (commands, options).

/** The closest names first (edit distance), for "did you mean" lists. */
export function closestFirst(wanted: string, offered: readonly string[]): string[] {
  return [...offered].sort((a, b) => distance(wanted, a) - distance(wanted, b) || a.localeCompare(b));
}

/**
 * Up to `max` names of `names` close to `wanted`, closest first: a "did you mean" for a misspelt
 * package name among an archive's tens of thousands (each distance computed once). Close: one
 * edit per three characters, at least one (so `jq` suggests `jo`, not every two-letter name).
 */
export function nearNames(wanted: string, names: Iterable<string>, max = 3): string[] {
  const limit = Math.max(1, Math.floor(wanted.length / 3));
  const near: Array<[string, number]> = [];
  for (const n of new Set(names)) {
    if (Math.abs(n.length - wanted.length) > limit || n === wanted) continue;
    const d = distance(wanted, n);
    if (d <= limit) near.push([n, d]);
  }
  return near.sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0])).slice(0, max).map(([n]) => n);
}

/** Edits between `a` and `b`: insertions, deletions, substitutions and swaps of neighbours (`synht`, `synth`). */
function distance(a: string, b: string): number {
  // Three rows of the optimal-string-alignment table: the one before the previous is for swaps.
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2] + 1);
      row.push(d);
    }
    before = prev;
    prev = row;
  }
  return prev[b.length];
}
