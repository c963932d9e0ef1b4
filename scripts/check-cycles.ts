// Import cycles in src/: between files (madge) and between folders (from the same graph).
// A cycle between folders means two concerns that cannot be read, tested or moved apart.
// Run by `npx projen check:cycles` (a step of `test`); exits 1 on any cycle.
import * as path from 'path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const madge = require('madge');

type Graph = Record<string, string[]>;

/**
 * File cycles tolerated for now: none (the eleven known when this check came in, issue #21, are
 * broken). Each listed one is reported, and the check fails once it is gone so that its entry goes
 * too. Add nothing here: break a new cycle by moving what both files need into a third.
 */
const KNOWN_FILE_CYCLES: readonly string[] = [];

/** A cycle's files in one order, to compare with KNOWN_FILE_CYCLES. */
const cycleKey = (cycle: string[]): string => [...cycle].sort().join(' ');

/** Strongly connected components with more than one member (Tarjan), each sorted. */
function cyclicGroups(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph[node] ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      if (group.length > 1) groups.push(group.sort());
    }
  };
  for (const node of Object.keys(graph).sort()) if (!index.has(node)) visit(node);
  return groups;
}

/** The folder graph: an edge for every import from a file in one folder of src/ to a file in another. */
function folderGraph(files: Graph): { graph: Graph; witness: Map<string, string> } {
  // src/index.ts and src/mini-mirror.ts sit on top of all
  return nodeGraph(files, file => path.dirname(file).split('/')[0], node => node !== '.');
}

/**
 * The runner's graph: each subfolder (deb/, pgp/, net/, aptly/, upstream/, history/) is a node,
 * and so is each file at its top (main, source-mirror, log, proc, ...), which may import the
 * subfolders and be imported by them, but not both ways round.
 */
function runnerGraph(files: Graph): { graph: Graph; witness: Map<string, string> } {
  const node = (file: string): string => {
    const parts = file.split('/');
    return parts[0] !== 'runner' ? '' : parts.length > 2 ? `runner/${parts[1]}/` : file;
  };
  return nodeGraph(files, node, n => n !== '');
}

function nodeGraph(files: Graph, nodeOf: (file: string) => string, counts: (node: string) => boolean)
  : { graph: Graph; witness: Map<string, string> } {
  const graph: Graph = {};
  const witness = new Map<string, string>();
  for (const [file, imports] of Object.entries(files)) {
    for (const imported of imports) {
      const [from, to] = [nodeOf(file), nodeOf(imported)];
      if (from === to || !counts(from) || !counts(to)) continue;
      graph[from] = [...new Set([...(graph[from] ?? []), to])];
      if (!witness.has(`${from} -> ${to}`)) witness.set(`${from} -> ${to}`, `${file} -> ${imported}`);
    }
  }
  return { graph, witness };
}

/** Cycles of a node graph, each with an import that makes each of its edges. */
function describeCycles(groups: string[][], witness: Map<string, string>, what: string): string[] {
  return groups.map(group => {
    const edges = [...witness.entries()].filter(([edge]) => group.includes(edge.split(' -> ')[0]) && group.includes(edge.split(' -> ')[1]));
    return `${what} among ${group.join(', ')}:\n${edges.map(([edge, why]) => `  ${edge}: ${why}`).join('\n')}`;
  });
}

async function main(): Promise<number> {
  // Another tree (e.g. an older checkout's src/) as the first argument.
  const root = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'src'));
  const result = await madge(root, { fileExtensions: ['ts'], tsConfig: path.join(__dirname, '..', 'tsconfig.json') });
  const files: Graph = result.obj();
  const allFileCycles: string[][] = result.circular();
  const known = allFileCycles.filter(c => KNOWN_FILE_CYCLES.includes(cycleKey(c)));
  const fileCycles = allFileCycles.filter(c => !known.includes(c));
  const gone = KNOWN_FILE_CYCLES.filter(k => !allFileCycles.some(c => cycleKey(c) === k));
  const { graph, witness } = folderGraph(files);
  const runner = runnerGraph(files);
  const folderCycles = [
    ...describeCycles(cyclicGroups(graph), witness, 'folder cycle'),
    // Cycles among top files alone are the file cycles above: only those through a subfolder here.
    ...describeCycles(cyclicGroups(runner.graph).filter(g => g.some(n => n.endsWith('/'))), runner.witness, 'runner folder cycle'),
  ];
  for (const cycle of known) console.error(`known file cycle (to break): ${cycle.join(' -> ')} -> ${cycle[0]}`);
  for (const cycle of fileCycles) console.error(`file cycle: ${cycle.join(' -> ')} -> ${cycle[0]}`);
  for (const key of gone) console.error(`known file cycle ${key} is gone: remove it from KNOWN_FILE_CYCLES in scripts/check-cycles.ts`);
  for (const cycle of folderCycles) console.error(cycle);
  if (fileCycles.length || folderCycles.length || gone.length) {
    console.error(`${fileCycles.length} file cycle(s), ${folderCycles.length} folder cycle(s) in src/: move the shared definitions into a module both sides import (e.g. src/contract/, src/util/)`);
    return 1;
  }
  const folders = new Set(Object.keys(files).map(f => path.dirname(f).split('/')[0]).filter(f => f !== '.'));
  console.log(`no new import cycle among ${Object.keys(files).length} files and ${folders.size} folders of src/, nor between the runner's folders (${known.length} known file cycles)`);
  return 0;
}

main().then(code => process.exit(code), e => {
  console.error(`check-cycles: ${(e as Error).message}`);
  process.exit(2);
});
