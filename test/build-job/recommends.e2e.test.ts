/**
 * Recommends end to end: a node-like package set whose Recommends span the pockets of one world,
 * built by the synthesized Job's mirror step, served by nginx, installed by real apt with its
 * DEFAULT configuration (Recommends on) plus the client ConfigMap's files; with `recommends:
 * false` the ConfigMap's apt.conf.d fragment makes apt not want what the mirror left out; and the
 * smoke-test script fails against a mirror that lacks a Recommends its clients install.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AptClient, parseInstLines, PlannedInstall } from '../support/apt-client';
import type { WorldSpec } from '../support/archive-builder';
import { FakeWorld, FakeWorldHandle } from '../support/fake-world';
import { startNginx } from '../support/nginx';
import { BuildResult, BuildSourceSpec, BuildSpec, removeBuild, runBuild } from '../support/run-build';
import { GeneratedKey, generateSigningKey } from '../support/signing-key';
import { runSmokeScript } from '../support/smoke-script';

/**
 * bookworm and bookworm-updates, like the OpenStack-Helm node set in small:
 *  - node-tool Depends libbase; Recommends block-extra (-> libblock), thin-tools | lvm-tools;
 *    Suggests doc-viewer. libbase Recommends base-data (Recommends of a dependency count too).
 *  - upd-agent (bookworm-updates) Recommends nft-rules, which only bookworm has.
 *  - ghost-user Recommends ghost-rec, which no upstream has.
 */
const NODE_WORLD: WorldSpec = {
  archives: [{
    kind: 'dists',
    path: 'debian',
    distributions: [
      {
        name: 'bookworm',
        origin: 'Debian',
        label: 'Debian',
        suite: 'stable',
        codename: 'bookworm',
        architectures: ['all', 'amd64'],
        components: {
          main: [
            { name: 'node-tool', version: '1.0', architecture: 'amd64', depends: 'libbase', recommends: 'block-extra, thin-tools | lvm-tools', suggests: 'doc-viewer' },
            { name: 'libbase', version: '1.0', architecture: 'amd64', recommends: 'base-data' },
            { name: 'base-data', version: '1.0' },
            { name: 'block-extra', version: '1.0', architecture: 'amd64', depends: 'libblock' },
            { name: 'libblock', version: '1.0', architecture: 'amd64' },
            { name: 'lvm-tools', version: '1.0', architecture: 'amd64' },
            { name: 'nft-rules', version: '1.0' },
            { name: 'doc-viewer', version: '1.0' },
            { name: 'ghost-user', version: '1.0', recommends: 'ghost-rec' },
          ],
        },
      },
      {
        name: 'bookworm-updates',
        origin: 'Debian',
        label: 'Debian',
        suite: 'stable-updates',
        codename: 'bookworm-updates',
        architectures: ['all', 'amd64'],
        components: {
          main: [
            { name: 'thin-tools', version: '1.1', architecture: 'amd64' },
            { name: 'upd-agent', version: '1.1', architecture: 'amd64', recommends: 'nft-rules' },
          ],
        },
      },
    ],
  }],
};

const RECOMMENDED = ['base-data', 'block-extra', 'libblock', 'nft-rules'];

let world: FakeWorldHandle;
let mirrorKey: GeneratedKey;
const toStop: Array<() => Promise<void>> = [];
const buildDirs: string[] = [];

beforeAll(async () => {
  [world, mirrorKey] = await Promise.all([
    FakeWorld.start(NODE_WORLD),
    generateSigningKey({ userId: 'Recommends Mirror <mirror@example.com>' }),
  ]);
  toStop.push(() => world.stop());
}, 120_000);

afterAll(async () => {
  for (const stop of toStop.reverse()) await stop();
  for (const dir of buildDirs) await removeBuild(dir);
});

function sources(bookworm: string[], updates: string[]): BuildSourceSpec[] {
  const debian = world.archives.debian;
  const common = { prefix: 'debian', url: debian.url, keyUrl: world.keys.archive.url, components: ['main'], world: 'bookworm' };
  return [
    { ...common, name: 'bookworm', distribution: 'bookworm', packages: bookworm },
    { ...common, name: 'bookworm-updates', distribution: 'bookworm-updates', packages: updates },
  ];
}

/** Builds with MiniMirror's own default aptly config (which says dependencyFollowRecommends: false, aptly's default). */
async function build(extra: Partial<BuildSpec> & { sources: BuildSourceSpec[] }): Promise<BuildResult> {
  const r = await runBuild({
    signing: { mode: 'key', privateKey: mirrorKey.privateKey, publicKey: mirrorKey.publicKey, fingerprint: mirrorKey.fingerprint },
    defaultAptlyConf: 'product',
    ...extra,
  });
  buildDirs.push(r.rootDir);
  if (r.exitCode !== 0) throw new Error(`build failed (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

function configMapData(r: BuildResult, has: (name: string, data: Record<string, string>) => boolean): Record<string, string> {
  const cm = r.manifests.find((o) => o.kind === 'ConfigMap' && has(o.metadata.name, o.data ?? {}));
  if (!cm) throw new Error('no such ConfigMap');
  return cm.data;
}

const clientData = (r: BuildResult) => configMapData(r, (name) => name === 'mirror-client');
const smokeData = (r: BuildResult) => configMapData(r, (_name, data) => 'smoke-test.sh' in data);

function mirrored(r: BuildResult): string[] {
  const m = JSON.parse(fs.readFileSync(path.join(r.publicDir, 'manifest.json'), 'utf8'));
  return m.packages.map((p: any) => `${p.name} ${p.distribution}`).sort();
}

/** nginx serving the build. */
async function serve(r: BuildResult): Promise<string> {
  const nginx = await startNginx(r.publicDir);
  toStop.push(() => nginx.stop());
  return nginx.url;
}

/**
 * apt with its default configuration (Recommends on) and exactly the client ConfigMap's files:
 * its `.sources` (Signed-By the embedded key; URIs moved to the local nginx) and its apt.conf.d
 * fragments, unless `withFragments` is false.
 */
async function configuredClient(r: BuildResult, url: string, withFragments = true): Promise<AptClient> {
  const c = await AptClient.create([]);
  toStop.push(() => c.dispose());
  await fs.promises.rm(path.join(c.root, 'etc/apt/sources.list.d/mirror.sources'));
  for (const [key, value] of Object.entries(clientData(r))) {
    if (key.endsWith('.sources')) {
      await fs.promises.writeFile(path.join(c.root, 'etc/apt/sources.list.d', key), value.replace(/^URIs: https?:\/\/[^/\s]+/m, `URIs: ${url}`));
    } else if (key.endsWith('.conf') && withFragments) {
      await fs.promises.writeFile(path.join(c.root, 'etc/apt/apt.conf.d', key), value);
    }
  }
  await c.update();
  return c;
}

interface Simulation {
  readonly installs: PlannedInstall[];
  /** What apt lists under "Recommended packages:" (the Recommends it does not install). */
  readonly recommendedNotInstalled: string[];
  readonly output: string;
}

/** `apt-get --simulate install` as the client is configured (no --no-install-recommends). */
async function simulate(c: AptClient, packages: string[]): Promise<Simulation> {
  const r = await c.apt('apt-get', ['--simulate', 'install', ...packages]);
  if (r.exitCode !== 0) throw new Error(`apt-get --simulate install failed (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  const lines = r.stdout.split('\n');
  const start = lines.indexOf('Recommended packages:');
  const listed: string[] = [];
  for (let i = start + 1; start >= 0 && i < lines.length && lines[i].startsWith(' '); i++) listed.push(...lines[i].trim().split(/\s+/));
  return { installs: parseInstLines(r.stdout), recommendedNotInstalled: listed, output: r.stdout };
}

const names = (s: Simulation) => s.installs.map((p) => p.name).sort();

describe('Recommends: the mirror and its clients agree', () => {
  test('by default the mirror follows Recommends across pockets, and apt with its defaults installs them all from it', async () => {
    const r = await build({ sources: sources(['node-tool'], ['upd-agent']) });
    // Recommends of bookworm-updates' upd-agent come from bookworm; doc-viewer is only suggested.
    const all = mirrored(r);
    for (const name of RECOMMENDED) expect(all).toContain(`${name} bookworm`);
    expect(all.filter((p) => /^(thin-tools|lvm-tools) /.test(p))).toHaveLength(1);
    expect(all.some((p) => p.startsWith('doc-viewer '))).toBe(false);
    expect(r.stdout).toMatch(/world bookworm: left out 0 Recommends and 1 Suggests of the mirrored packages; Suggests \(never followed, as apt does by default\): doc-viewer \(of node-tool\)/);
    expect(r.stdout).not.toMatch(/WARNING: world/);

    // The client ConfigMap ships no fragment: apt's default (Recommends on) is the mirror's.
    expect(Object.keys(clientData(r)).filter((k) => k.endsWith('.conf'))).toEqual([]);
    const url = await serve(r);
    const client = await configuredClient(r, url);
    const plan = await simulate(client, ['node-tool', 'upd-agent']);
    expect(plan.recommendedNotInstalled).toEqual([]);
    expect(plan.output).not.toMatch(/Recommended packages/);
    for (const name of RECOMMENDED) expect(names(plan)).toContain(name);
    // Every mirrored package is what the client installs: nothing more, nothing skipped.
    expect(names(plan)).toEqual(all.map((p) => p.split(' ')[0]).sort());

    const smoke = await runSmokeScript({ clientData: clientData(r), smokeData: smokeData(r), serviceUrl: url });
    expect(smoke.stdout + smoke.stderr).toMatch(/simulating the installation of 2 packages: node-tool upd-agent \(with Recommends, as its clients install them\)/);
    expect(smoke.exitCode).toBe(0);
  });

  test('recommends: false leaves them out, and the client fragment makes apt not want them', async () => {
    const r = await build({ sources: sources(['node-tool'], ['upd-agent']), recommends: false });
    expect(mirrored(r)).toEqual(['libbase bookworm', 'node-tool bookworm', 'upd-agent bookworm-updates']);
    expect(r.stdout).toMatch(/world bookworm: left out 4 Recommends and 1 Suggests of the mirrored packages; Recommends not followed \(recommends: false, so its clients get APT::Install-Recommends "false"\): /);
    expect(r.stdout).toContain('nft-rules (of upd-agent)');

    const data = clientData(r);
    expect(data['99mini-mirror-no-recommends.conf']).toMatch(/^APT::Install-Recommends "false";$/m);
    const url = await serve(r);
    const client = await configuredClient(r, url);
    const plan = await simulate(client, ['node-tool', 'upd-agent']);
    expect(names(plan)).toEqual(['libbase', 'node-tool', 'upd-agent']);

    // Without the fragment, apt's default wants what this mirror does not have.
    const unconfigured = await configuredClient(r, url, false);
    const wanting = await simulate(unconfigured, ['node-tool', 'upd-agent']);
    expect(wanting.recommendedNotInstalled).toEqual(expect.arrayContaining(['block-extra', 'base-data', 'nft-rules']));

    const smoke = await runSmokeScript({ clientData: data, smokeData: smokeData(r), serviceUrl: url });
    expect(smoke.stdout + smoke.stderr).toMatch(/\(without Recommends, as its clients are configured\)/);
    expect(smoke.exitCode).toBe(0);

    // Clients that install Recommends (the fragment left out) would miss what upstream has and
    // this mirror does not: the smoke test, configured like them, fails naming them.
    const withoutFragment = Object.fromEntries(Object.entries(data).filter(([k]) => !k.endsWith('.conf')));
    const failing = await runSmokeScript({ clientData: withoutFragment, smokeData: smokeData(r), serviceUrl: url });
    expect(failing.exitCode).not.toBe(0);
    expect(failing.stderr).toMatch(/FAILED: world bookworm: its clients install Recommends \(apt's default\), but the mirror cannot give them: .*nft-rules/);
  });

  test('a Recommends that no upstream has is no build failure, but reported; apt misses it as clients of the upstream would, and the smoke test does not blame the mirror', async () => {
    const r = await build({ sources: sources(['ghost-user'], ['upd-agent']) });
    expect(r.stdout).toMatch(/left out 1 Recommends and 0 Suggests of the mirrored packages; Recommends in no upstream of the world: ghost-rec \(of ghost-user\)/);
    expect(r.stdout).toMatch(/WARNING: world bookworm: 1 Recommends are in no upstream of the world: apt skips them/);

    const url = await serve(r);
    const plan = await simulate(await configuredClient(r, url), ['ghost-user', 'upd-agent']);
    expect(plan.recommendedNotInstalled).toEqual(['ghost-rec']);

    expect(fs.readFileSync(path.join(r.publicDir, 'recommends-unavailable.txt'), 'utf8')).toBe('bookworm ghost-rec\n');
    const smoke = await runSmokeScript({ clientData: clientData(r), smokeData: smokeData(r), serviceUrl: url });
    expect(smoke.stdout + smoke.stderr).toMatch(/world bookworm: Recommends ghost-rec is in no upstream of the world \(the build reported it\): not counted/);
    expect(smoke.exitCode).toBe(0);
  });
});
