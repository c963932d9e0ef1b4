import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tidyByHash } from '../../../src/runner/aptly/by-hash';

// GIVEN a dists/ directory laid out as aptly 1.5 publishes with -acquire-by-hash
test('only the hash-named files stay in by-hash/<algo>/; the indexes themselves and other files are untouched', async () => {
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-byhash-'));
  try {
    const sha = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    for (const dir of ['by-hash/SHA256', 'main/binary-amd64/by-hash/SHA256']) fs.mkdirSync(path.join(dist, dir), { recursive: true });
    fs.writeFileSync(path.join(dist, 'Contents-amd64.gz'), '');
    fs.linkSync(path.join(dist, 'Contents-amd64.gz'), path.join(dist, 'by-hash/SHA256', sha));
    fs.symlinkSync(path.join(dist, 'by-hash/SHA256', sha), path.join(dist, 'by-hash/SHA256/Contents-amd64.gz'));
    fs.symlinkSync(path.join(dist, 'by-hash/SHA256', sha), path.join(dist, 'by-hash/SHA256/Contents-amd64.gz.old'));
    fs.writeFileSync(path.join(dist, 'main/binary-amd64/Packages'), 'x');
    fs.linkSync(path.join(dist, 'main/binary-amd64/Packages'), path.join(dist, 'main/binary-amd64/by-hash/SHA256', sha));
    fs.symlinkSync(sha, path.join(dist, 'main/binary-amd64/by-hash/SHA256/Packages'));

    // WHEN
    await tidyByHash(dist);

    // THEN
    expect(fs.readdirSync(path.join(dist, 'by-hash/SHA256'))).toEqual([sha]);
    expect(fs.readdirSync(path.join(dist, 'main/binary-amd64/by-hash/SHA256'))).toEqual([sha]);
    expect(fs.readdirSync(path.join(dist, 'main/binary-amd64')).sort()).toEqual(['Packages', 'by-hash']);
    expect(fs.existsSync(path.join(dist, 'Contents-amd64.gz'))).toBe(true);
  } finally {
    fs.rmSync(dist, { recursive: true, force: true });
  }
});
