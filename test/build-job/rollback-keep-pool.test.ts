/**
 * The previous build's pool kept for one generation (src/runner/history/keep-pool.ts): a file the stage
 * lacks is copied when its SHA256 matches the previous manifest, left out with a warning when it
 * does not or is missing; nothing outside pool/ or the tree is ever written.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { keepPreviousPool } from '../../src/runner/history/keep-pool';
import { parsePreviousManifest } from '../../src/runner/history/previous-build';
import { BuildLog } from '../../src/runner/log';

const sha = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-keep-pool-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(rel: string, content: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), content);
}

test('copies matching pool files the stage lacks, refuses a wrong hash, a missing file and paths outside pool/', async () => {
  const pkg = (name: string, filename: string, content: string) => ({
    prefix: 'debian', distribution: 'bookworm', component: 'main', name, version: '1', architecture: 'amd64', size: content.length, sha256: sha(content), filename,
  });
  const packages = [
    pkg('old', 'pool/main/o/old/old_1_amd64.deb', 'old deb'),
    pkg('shared', 'pool/main/s/shared/shared_1_amd64.deb', 'shared deb'),
    pkg('tampered', 'pool/main/t/tampered/tampered_1_amd64.deb', 'the real bytes'),
    pkg('gone', 'pool/main/g/gone/gone_1_amd64.deb', 'gone deb'),
    pkg('escape', '../../escaped', 'x'),
  ];
  write('previous/debian/pool/main/o/old/old_1_amd64.deb', 'old deb');
  write('previous/debian/pool/main/s/shared/shared_1_amd64.deb', 'shared deb');
  write('previous/debian/pool/main/t/tampered/tampered_1_amd64.deb', 'other bytes');
  write('previous/escaped', 'x');
  write('previous/manifest.json', JSON.stringify({ upstreams: [], packages, builtAt: '2023-06-10T09:00:00Z' }));
  write('stage/debian/pool/main/s/shared/shared_1_amd64.deb', 'shared deb');
  const location = path.join(dir, 'previous', 'manifest.json');
  const previous = { where: location, location, manifest: parsePreviousManifest(fs.readFileSync(location, 'utf8'), location) };
  const log = new BuildLog();
  const warnings: string[] = [];
  jest.spyOn(log, 'warn').mockImplementation(m => void warnings.push(m));
  jest.spyOn(log, 'step').mockImplementation(() => undefined);

  const kept = await keepPreviousPool(path.join(dir, 'stage'), previous, location, log);

  expect(kept.added).toBe(1);
  expect(kept.present).toBe(1);
  expect(fs.readFileSync(path.join(dir, 'stage/debian/pool/main/o/old/old_1_amd64.deb'), 'utf8')).toBe('old deb');
  expect(fs.existsSync(path.join(dir, 'stage/debian/pool/main/t/tampered/tampered_1_amd64.deb'))).toBe(false);
  expect(kept.missing.map(m => m.split(' ')[0]).sort()).toEqual(['debian/pool/main/g/gone/gone_1_amd64.deb', 'debian/pool/main/t/tampered/tampered_1_amd64.deb']);
  expect(kept.missing.find(m => m.includes('tampered'))).toContain(`the previous manifest says ${sha('the real bytes')}`);
  expect(fs.existsSync(path.join(dir, 'escaped'))).toBe(false);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/^2 pool files of the previous build not kept/);
});
