import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseIndex } from '../../src/runner/deb/packages-index';
import { BuildLog, DownloadProgress, estimateLine, grouped } from '../../src/runner/log';
import { DownloadMeter, downloadPlan } from '../../src/runner/net/prefetch';

function recordingLog(): BuildLog & { lines: string[] } {
  const log = new BuildLog() as BuildLog & { lines: string[] };
  log.lines = [];
  log.say = (m: string) => void log.lines.push(m);
  return log;
}

function stanza(name: string, size: number): string {
  return `Package: ${name}\nVersion: 1.0\nArchitecture: amd64\nFilename: pool/main/${name[0]}/${name}/${name}_1.0_amd64.deb\nSize: ${size}\n`;
}

describe('the up-front estimate', () => {
  test('counts are grouped and plural where they should be', () => {
    expect(grouped(1032)).toBe('1,032');
    expect(estimateLine('debian/bookworm', { files: 1032, bytes: 612 * 1024 * 1024 }, { files: 3, bytes: 41 * 1024 * 1024 }))
      .toBe('debian/bookworm: will fetch 1,032 packages, 612.0 MiB (3 packages, 41.0 MiB reused)');
    expect(estimateLine('vendor/tools', { files: 1, bytes: 900 }, { files: 0, bytes: 0 }))
      .toBe('vendor/tools: will fetch 1 package, 900 B (0 packages, 0 B reused)');
  });

  test('files this build fetched already count as reused, once per file however many stanzas name it', () => {
    const entries = parseIndex([stanza('app', 1000), stanza('lib', 3000), stanza('tool', 500), stanza('app', 1000)].join('\n'), 0, 'main');
    const have = new Set(['pool/main/l/lib/lib_1.0_amd64.deb']);
    const plan = downloadPlan(entries, { has: (rel: string) => have.has(rel) });
    expect([...plan.fetch]).toEqual([['pool/main/a/app/app_1.0_amd64.deb', 1000], ['pool/main/t/tool/tool_1.0_amd64.deb', 500]]);
    expect(plan.reused).toEqual({ files: 1, bytes: 3000 });
  });
});

describe('download progress', () => {
  test('a line at most once per interval, however often it is updated', () => {
    const log = recordingLog();
    let now = 1_000;
    const progress = new DownloadProgress(log, 'debian/bookworm', { files: 2000, bytes: 10 * 1024 * 1024 }, { intervalMs: 5000, now: () => now });
    const logged: boolean[] = [];
    for (const [t, files] of [[1_500, 10], [4_999 + 1_000, 20], [6_000, 30], [6_100, 40], [10_999, 50], [11_000, 1500]]) {
      now = t;
      logged.push(progress.update(files, files * 1024));
    }
    expect(logged).toEqual([false, false, true, false, false, true]);
    expect(log.lines).toEqual([
      'debian/bookworm: downloaded 30 of 2,000 packages, 30.0 KiB of 10.0 MiB',
      'debian/bookworm: downloaded 1,500 of 2,000 packages, 1.5 MiB of 10.0 MiB',
    ]);
  });

  test('the meter counts finished files whole and curl\'s .part files by what they hold so far', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meter-'));
    try {
      const a = path.join(dir, 'a.deb');
      const b = path.join(dir, 'b.deb');
      const c = path.join(dir, 'c.deb');
      const meter = new DownloadMeter(new Map([[a, 100], [b, 200], [c, 300]]));
      expect(await meter.measure()).toEqual({ files: 0, bytes: 0 });
      fs.writeFileSync(`${b}.part`, Buffer.alloc(50));
      fs.writeFileSync(a, Buffer.alloc(100));
      expect(await meter.measure()).toEqual({ files: 1, bytes: 150 });
      fs.renameSync(`${b}.part`, b);
      fs.appendFileSync(b, Buffer.alloc(150));
      // A .part larger than listed counts no more than listed (curl stops it at the cap).
      fs.writeFileSync(`${c}.part`, Buffer.alloc(400));
      expect(await meter.measure()).toEqual({ files: 2, bytes: 600 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the meter stops looking after a run of files not started yet (curl starts them in order)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meter-'));
    try {
      const names = ['a', 'b', 'c', 'd', 'e'].map(n => path.join(dir, `${n}.deb`));
      const meter = new DownloadMeter(new Map(names.map(n => [n, 10])), 2);
      fs.writeFileSync(names[0], Buffer.alloc(10));
      fs.writeFileSync(names[4], Buffer.alloc(10)); // after a gap of 3: not looked at
      expect(await meter.measure()).toEqual({ files: 1, bytes: 10 });
      fs.writeFileSync(`${names[2]}.part`, Buffer.alloc(4)); // the gap is now 1: the rest is seen
      expect(await meter.measure()).toEqual({ files: 2, bytes: 24 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
