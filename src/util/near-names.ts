// "Did you mean": names close to a misspelt one, by edit distance. Shared by the build runner
// (components, architectures, package names) and the CLI (commands, options).

/** The closest names first (edit distance), for "did you mean" lists. */
export function closestFirst(wanted: string, offered: readonly string[]): string[] {
  return [...offered].sort((a, b) => distance(wanted, a) - distance(wanted, b) || a.localeCompare(b));
}

/**
 * Up to `max` names of `names` within two edits of `wanted`, closest first: a "did you mean" for
 * a misspelt package name among an archive's tens of thousands (each distance computed once).
 */
export function nearNames(wanted: string, names: Iterable<string>, max = 3): string[] {
  const near: Array<[string, number]> = [];
  for (const n of new Set(names)) {
    if (Math.abs(n.length - wanted.length) > 2 || n === wanted) continue;
    const d = distance(wanted, n);
    if (d <= 2) near.push([n, d]);
  }
  return near.sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0])).slice(0, max).map(([n]) => n);
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}
