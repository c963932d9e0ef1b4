/**
 * images/builder/Dockerfile holds what the build's scripts would otherwise install at run time:
 * the same Debian packages, each pinned, and the user the Job's non-root steps run as.
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** The words after `apt-get install` (continuation lines joined), options and `&&` left out. */
function installed(text: string): string[] {
  const joined = text.replace(/\\\n/g, ' ');
  const packages: string[] = [];
  for (const match of joined.matchAll(/apt-get install ([^\n&]*)/g)) {
    packages.push(...match[1].trim().split(/\s+/).filter(w => w && !w.startsWith('-') && !w.startsWith('"')));
  }
  return packages;
}

describe('the builder image', () => {
  const dockerfile = read('images/builder/Dockerfile');
  const pinned = installed(dockerfile);

  test('installs exactly the packages build-mirror.sh and bake-image-oci.sh install at run time', () => {
    const atRunTime = [...installed(read('assets/build-mirror.sh')), ...installed(read('assets/bake-image-oci.sh'))];
    expect(atRunTime.length).toBeGreaterThan(5);
    expect(pinned.map(p => p.split('=')[0]).sort()).toEqual([...new Set(atRunTime)].sort());
  });

  test('pins every package to a version', () => {
    for (const p of pinned) expect(p).toMatch(/^[a-z0-9.+-]+=[0-9][A-Za-z0-9.+~:-]*$/);
  });

  test('is Debian bookworm and runs as the non-root user of the Job (65532)', () => {
    expect(dockerfile).toMatch(/^FROM docker\.io\/library\/debian:bookworm-slim$/m);
    const users = [...dockerfile.matchAll(/^USER (.*)$/gm)].map(m => m[1]);
    expect(users).toEqual(['65532:65532']);
    // only the apt-get step runs as root: USER comes after the last RUN
    expect(dockerfile.lastIndexOf('\nRUN ')).toBeLessThan(dockerfile.indexOf('\nUSER '));
  });
});
