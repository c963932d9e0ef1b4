import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Aptly, filterChunks, TASK_ARG_BYTES, taskBatches } from '../../../src/runner/aptly/aptly';
import { ChildProcesses } from '../../../src/runner/proc';

/** This file's child processes (a build has its own, from its BuildRun). */
const procs = new ChildProcesses();

describe('filterChunks', () => {
  const queries = Array.from({ length: 5000 }, (_, i) => `package-${i}_1.${i % 97}-${i % 13}+deb12u${i % 7}_${i % 2 ? 'amd64' : 'all'}`);

  test('GIVEN many queries WHEN chunked THEN no chunk is above the byte limit, every query appears exactly once, in order', () => {
    for (const maxBytes of [200, 1024, 4096, 96 * 1024]) {
      const chunks = filterChunks(queries, maxBytes);
      for (const c of chunks) expect(Buffer.byteLength(c)).toBeLessThanOrEqual(maxBytes);
      expect(chunks.flatMap(c => c.split(' | '))).toEqual(queries);
      if (maxBytes < 96 * 1024) expect(chunks.length).toBeGreaterThan(1);
    }
  });

  test('chunks are filled: each one plus the next query would exceed the limit', () => {
    const chunks = filterChunks(queries, 1000);
    for (let i = 0; i + 1 < chunks.length; i++) {
      const next = chunks[i + 1].split(' | ')[0];
      expect(Buffer.byteLength(`${chunks[i]} | ${next}`)).toBeGreaterThan(1000);
    }
  });

  test('the default limit stays below the kernel\'s 128 KiB for one argument, counting bytes not characters', () => {
    const wide = Array.from({ length: 20000 }, (_, i) => `Description (~ 'ünïcödé-${i}')`);
    const chunks = filterChunks(wide);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(Buffer.byteLength(c)).toBeLessThan(128 * 1024);
    expect(chunks.flatMap(c => c.split(' | '))).toEqual(wide);
  });

  test('edge cases: no queries, one query, a query alone above the limit gets its own chunk', () => {
    expect(filterChunks([])).toEqual([]);
    expect(filterChunks(['nginx'])).toEqual(['nginx']);
    const long = 'x'.repeat(50);
    expect(filterChunks(['a', long, 'b'], 20)).toEqual(['a', long, 'b']);
    expect(filterChunks(['a', 'b', 'c'], 5)).toEqual(['a | b', 'c']);
  });
});

describe('Aptly.task (real aptly)', () => {
  let dir: string;
  let aptly: Aptly;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-aptly-task-'));
    fs.writeFileSync(path.join(dir, 'aptly.conf'), JSON.stringify({ rootDir: path.join(dir, 'root') }));
    aptly = new Aptly(path.join(dir, 'aptly.conf'), path.join(dir, 'gnupg'), path.join(dir, 'log'), procs);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('GIVEN commands that all work WHEN run as one task THEN each one\'s output comes back separately, from one aptly process', async () => {
    const r = await aptly.task([
      ['repo', 'create', '-comment=first repo', 'a'],
      ['repo', 'create', 'b'],
      ['repo', 'show', 'a'],
      ['repo', 'list', '-raw'],
    ], 'failed');
    expect(r.error).toBeUndefined();
    expect(r.completed).toBe(4);
    expect(r.outputs).toHaveLength(4);
    expect(r.outputs[2]).toMatch(/Name: a\nComment: first repo/);
    expect(r.outputs[3].trim().split('\n')).toEqual(['a', 'b']);
    expect(fs.readFileSync(path.join(dir, 'log'), 'utf8').match(/^\$ aptly /gm)).toHaveLength(1);
  });

  test('GIVEN a failing command in the middle WHEN run THEN the ones before it completed, the rest did not run, and the error is that command\'s', async () => {
    const r = await aptly.task([
      ['repo', 'create', 'a'],
      ['repo', 'create', 'a'],
      ['repo', 'create', 'never'],
    ], 'failed');
    expect(r.completed).toBe(1);
    expect(r.outputs).toHaveLength(1);
    expect(r.error).toMatch(/local repo with name a already exists/);
    expect(r.error).not.toMatch(/at least one command/);
    const list = await aptly.run(['repo', 'list', '-raw'], 'list failed');
    expect(list.output.trim()).toBe('a');
  });

  test('GIVEN commands whose arguments exceed one task\'s budget (filters of many queries) WHEN run THEN they run in several tasks, all outputs in order', async () => {
    const comment = (i: number) => `-comment=${String(i).repeat(100 * 1024)}`;
    const commands = [0, 1, 2, 3, 4, 5].map(i => ['repo', 'create', comment(i), `r${i}`]);
    expect(taskBatches(commands).length).toBe(2);
    const r = await aptly.task([...commands, ['repo', 'list', '-raw']], 'failed');
    expect(r.error).toBeUndefined();
    expect(r.completed).toBe(7);
    expect(r.outputs[6].trim().split('\n')).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
    expect(fs.readFileSync(path.join(dir, 'log'), 'utf8').match(/^\$ aptly task run /gm)).toHaveLength(2);
  });

  test('GIVEN an argument ending in a comma (aptly\'s task separator) WHEN run THEN the commands run one by one and the argument arrives whole', async () => {
    const r = await aptly.task([
      ['repo', 'create', '-comment=ends with a comma,', 'a'],
      ['repo', 'show', 'a'],
    ], 'failed');
    expect(r.completed).toBe(2);
    expect(r.outputs[1]).toMatch(/Comment: ends with a comma,\n/);
    expect(fs.readFileSync(path.join(dir, 'log'), 'utf8').match(/^\$ aptly /gm)).toHaveLength(2);
  });
});

describe('taskBatches', () => {
  const cmd = (bytes: number) => ['x', 'y'.repeat(bytes)];
  test('consecutive commands fill a batch up to the byte budget; a command over it goes alone; order is kept', () => {
    const commands = [cmd(40), cmd(40), cmd(40), cmd(200), cmd(10)];
    const batches = taskBatches(commands, 100);
    expect(batches.map(b => b.length)).toEqual([2, 1, 1, 1]);
    expect(batches.flat()).toEqual(commands);
    expect(taskBatches([], 100)).toEqual([]);
  });

  test('the default budget stays well below the kernel\'s 2 MiB for a command line with its environment', () => {
    expect(TASK_ARG_BYTES).toBeLessThanOrEqual(1024 * 1024);
    const filters = filterChunks(Array.from({ length: 60000 }, (_, i) => `package-number-${i} (>= 1.${i})`));
    for (const batch of taskBatches(filters.map(f => ['mirror', 'create', `-filter=${f}`, 'm']))) {
      expect(batch.flat().reduce((n, a) => n + Buffer.byteLength(a), 0)).toBeLessThanOrEqual(TASK_ARG_BYTES);
    }
  });
});
