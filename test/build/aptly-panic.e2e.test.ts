/**
 * aptly 1.5.0 panics on some upstream input (a package named `lib`: its pool directory is
 * `name[:4]` for names starting with "lib"). The build must say which source and what to do,
 * not print a Go stack trace; and publish nothing.
 */
import * as fs from 'fs';
import { DistsArchiveSpec } from '../support/archive-builder';
import { FakeWorld, FakeWorldHandle } from '../support/fake-world';
import { BuildResult, removeBuild, runBuild } from '../support/run-build';

const LIB_ARCHIVE: DistsArchiveSpec = {
  kind: 'dists',
  path: 'debian',
  distributions: [{
    name: 'bookworm',
    origin: 'Debian',
    label: 'Debian',
    suite: 'stable',
    architectures: ['amd64'],
    components: { main: [{ name: 'lib', version: '1.0' }, { name: 'uses-lib', version: '1.0', depends: 'lib' }, { name: 'plain', version: '1.0' }] },
  }],
};

let w: FakeWorldHandle;
const dirs: string[] = [];
beforeAll(async () => {
  w = await FakeWorld.start({ archives: [LIB_ARCHIVE] });
}, 120_000);
afterAll(async () => {
  await w?.stop();
  for (const d of dirs) await removeBuild(d);
});

async function build(packages: string[]): Promise<BuildResult> {
  const a = w.archives.debian;
  const r = await runBuild({
    signing: { mode: 'unsigned' },
    defaultAptlyConf: {},
    sources: [{ prefix: 'debian', name: 'bookworm', url: a.url, keyUrl: a.keyUrl, distribution: 'bookworm', components: ['main'], packages }],
  });
  dirs.push(r.rootDir);
  return r;
}

test('repro', async () => {
  const r = await build(['uses-lib']);
  console.log(r.exitCode, r.stdout, r.stderr);
  expect(fs.existsSync(r.publicDir)).toBe(false);
}, 240_000);
