/**
 * aptly 1.5.0 panics on some upstream input (a package named `lib`: its pool directory is
 * `name[:4]` for names starting with "lib"). Where aptly mirrors and publishes (here: queries
 * with a regular expression, which aptly evaluates), the build must say which source and what to
 * do, not print a Go stack trace; and publish nothing. Where the runner writes the indexes
 * itself, the package is published like any other.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DistsArchiveSpec } from '../support/archive-builder';
import { FakeWorld, FakeWorldHandle } from '../support/fake-world';
import { expectBuildFailed } from '../support/build-verdicts';
import { BuildResult, BuildSourceSpec, removeBuild, runBuild } from '../support/run-build';

const LIB_ARCHIVE: DistsArchiveSpec = {
  kind: 'dists',
  path: 'debian',
  distributions: [
    {
      name: 'bookworm',
      origin: 'Debian',
      label: 'Debian',
      suite: 'stable',
      architectures: ['amd64'],
      components: { main: [{ name: 'lib', version: '1.0' }, { name: 'uses-lib', version: '1.0', depends: 'lib' }, { name: 'plain', version: '1.0' }] },
    },
    {
      name: 'bookworm-extra',
      origin: 'Debian',
      label: 'Debian',
      suite: 'stable-extra',
      architectures: ['amd64'],
      components: { main: [{ name: 'extra-tool', version: '1.0', depends: 'lib' }] },
    },
  ],
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

async function build(sources: Array<Pick<BuildSourceSpec, 'name' | 'distribution' | 'packages'>>): Promise<BuildResult> {
  const a = w.archives.debian;
  const r = await runBuild({
    signing: { mode: 'unsigned' },
    defaultAptlyConf: {},
    sources: sources.map(s => ({ prefix: 'debian', url: a.url, keyUrl: a.keyUrl, components: ['main'], world: 'bookworm', ...s })),
  });
  dirs.push(r.rootDir);
  return r;
}

test('GIVEN a package named lib WHEN the runner writes the indexes THEN it is published like any other, under pool/main/lib/lib/', async () => {
  const r = await build([{ name: 'bookworm', distribution: 'bookworm', packages: ['uses-lib'] }]);
  expect(r.exitCode).toBe(0);
  const packages = fs.readFileSync(path.join(r.publicDir, 'debian/dists/bookworm/main/binary-amd64/Packages'), 'utf8');
  expect(packages).toMatch(/^Package: lib\n(?:.*\n)*?Filename: pool\/main\/lib\/lib\/lib_1\.0_all\.deb$/m);
  expect(fs.existsSync(path.join(r.publicDir, 'debian/pool/main/lib/lib/lib_1.0_all.deb'))).toBe(true);
}, 240_000);

test('GIVEN a requested package that depends on a package named lib WHEN aptly mirrors THEN the build refuses it before aptly runs, naming it and what to do', async () => {
  const r = await build([{ name: 'bookworm', distribution: 'bookworm', packages: ['Name (~ ^uses-lib$)'] }]);
  const out = expectBuildFailed(r, /ERROR: debian\/bookworm: lib 1\.0 \(all\) has the source package name "lib", which aptly 1\.5\.0 cannot file in its pool .*: leave them, and the queries that pull them in as dependencies, out of packages\.txt/);
  expect(out).not.toMatch(/goroutine|\.go:\d+/);
}, 240_000);

test('GIVEN lib pulled in by the world closure from another source WHEN aptly mirrors THEN aptly\'s panic is explained: which source, which aptly command, the panic, what to do', async () => {
  const r = await build([
    { name: 'bookworm', distribution: 'bookworm', packages: ['Name (~ ^plain$)'] },
    { name: 'extra', distribution: 'bookworm-extra', packages: ['Name (~ ^extra-tool$)'] },
  ]);
  expectBuildFailed(r, /ERROR: debian\/bookworm: publish failed: aptly crashed in `aptly publish snapshot` \(panic: runtime error: slice bounds out of range \[:4\] with length 3\): aptly 1\.5\.0 crashes on a package whose source package name is "lib"/);
}, 240_000);
