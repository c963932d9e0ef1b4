/**
 * Write-once tags against what a registry really allows: a tag is a mutable pointer and no
 * registry API has compare-and-set, so "check, then push" alone lets two builds both push, and a
 * registry (or proxy) that answers 404 for a tag it holds gets it overwritten. The image step
 * pushes by digest, tags, and reads the tag back twice; these tests run it (from the synthesized
 * Job, with the pod runner) against Debian's docker-registry on 127.0.0.1 behind a proxy that
 * holds tag PUTs until both racers have checked, or hides a tag (test/support/registry-proxy.ts).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runImageStep } from '../support/image-step';
import { RegistryHandle, registryToolsMissing } from '../support/registry';
import { RegistryBuild, startRegistryBuild } from '../support/registry-build';
import { RegistryProxyHandle, RegistryProxyOptions, startRegistryProxy } from '../support/registry-proxy';
import { BuildResult, BuildSpec, synthesizeBuild } from '../support/run-build';
import { GeneratedKey } from '../support/signing-key';

const missing = registryToolsMissing();
const describeIfTools = missing.length ? describe.skip : describe;
if (missing.length) process.stdout.write(`SKIPPED image-race test: ${missing.join(', ')} missing (scripts/install-test-tools.sh)\n`);

const IMAGE_LINE = /^image: (\S+)@(sha256:[0-9a-f]{64})$/m;
const PUSHING_LINE = /^bake-image: pushing \S+@(sha256:[0-9a-f]{64})$/m;

describeIfTools('write-once tags against a registry that allows overwriting them', () => {
  let setup: RegistryBuild;
  let key: GeneratedKey;
  let registry: RegistryHandle;
  let build: BuildResult;
  let spec: BuildSpec;
  const proxies: RegistryProxyHandle[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    setup = await startRegistryBuild();
    ({ key, registry, build, spec } = setup);
  }, 240_000);
  afterAll(async () => {
    await Promise.all([setup?.stop(), ...proxies.map(p => p.stop())]);
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function proxy(options: RegistryProxyOptions): Promise<RegistryProxyHandle> {
    const p = await startRegistryProxy(registry.host, options);
    proxies.push(p);
    return p;
  }

  /** The spec pushing to `<host>/mini-mirror:<tag>` with another refresh epoch (another build identity). */
  function specFor(host: string, tag: string, refreshEpoch: string): BuildSpec {
    return { ...spec, refreshEpoch, image: { repository: `${host}/mini-mirror`, tag, insecureRegistry: true } };
  }

  /**
   * A copy of the built workspace whose tree is build `identity` (its manifest.json says so): a
   * different identity is a different tree, as another build's would be.
   */
  function workspaceFor(identity: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-race-'));
    dirs.push(dir);
    fs.cpSync(path.join(build.workspace, 'public'), path.join(dir, 'public'), { recursive: true });
    const manifest = path.join(dir, 'public', 'manifest.json');
    fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace(`"buildIdentity": "${build.buildIdentity}"`, `"buildIdentity": "${identity}"`));
    // The kubelet creates emptyDirs world-writable; the image step runs as a non-root user.
    fs.chmodSync(dir, 0o777);
    return dir;
  }

  /** Runs the image step of the Job synthesized from `s` on `workspace`. */
  async function imageStep(s: BuildSpec, workspace: string, settleSeconds = 4) {
    const r = await runImageStep(s, key.privateKey, workspace, { MINI_MIRROR_TAG_SETTLE_SECONDS: String(settleSeconds) });
    return { ...r, image: IMAGE_LINE.exec(r.stdout), pushed: PUSHING_LINE.exec(r.log)?.[1] };
  }

  /**
   * Pushes `tag` directly (a build of refresh epoch `epochs[0]`; it must succeed), then another
   * build (`epochs[1]`) to the same tag through a proxy started with `options`.
   */
  async function pushThenThroughProxy(tag: string, epochs: [string, string], options: RegistryProxyOptions) {
    const direct = specFor(registry.host, tag, epochs[0]);
    const first = await imageStep(direct, workspaceFor(synthesizeBuild(direct).mirror.buildIdentity), 1);
    expect(first.exitCode).toBe(0);
    const lying = await proxy(options);
    const other = specFor(lying.host, tag, epochs[1]);
    const step = await imageStep(other, workspaceFor(synthesizeBuild(other).mirror.buildIdentity), 1);
    return { first, lying, step };
  }

  test('two builds with different trees race for one tag: the registry holds one, the other step fails naming both digests', async () => {
    // Both steps pass the last check before either tags; the proxy then lets the tags through 1.5 s apart.
    const racing = await proxy({ holdTagPuts: { count: 2, gapMs: 1500 } });
    const [specA, specB] = [specFor(racing.host, 'race', '2026-12-01'), specFor(racing.host, 'race', '2026-12-02')];
    const [idA, idB] = [synthesizeBuild(specA).mirror.buildIdentity, synthesizeBuild(specB).mirror.buildIdentity];
    expect(idA).not.toBe(idB);
    const [a, b] = await Promise.all([imageStep(specA, workspaceFor(idA)), imageStep(specB, workspaceFor(idB))]);
    for (const step of [a, b]) expect(step.log).toContain(`${racing.host}/mini-mirror:race still does not exist: tagging ${step.pushed}`);
    expect(a.pushed).not.toBe(b.pushed);

    expect([a.exitCode, b.exitCode].sort()).toEqual([0, 1]);
    const [winner, loser] = a.exitCode === 0 ? [a, b] : [b, a];
    const held = await registry.inspect(`${registry.host}/mini-mirror:race`);
    expect(held.digest).toBe(winner.pushed);
    expect(held.labels['mini-mirror.build-identity']).toBe(winner.identity);
    expect(winner.image?.[0]).toBe(`image: ${racing.host}/mini-mirror@${winner.pushed}`);
    expect(winner.log).toContain(`pushed ${racing.host}/mini-mirror:race (build ${winner.identity.slice(0, 12)})`);
    expect(loser.log).toContain(`bake-image: FAILED: the tag ${racing.host}/mini-mirror:race now holds ${winner.pushed} (build ${winner.identity.slice(0, 12)}), `
      + `not the ${loser.pushed} this step pushed (read back 4s after): another build pushed to the same tag, or the registry allows overwriting tags; turn on tag immutability`);
    expect(loser.image).toBeNull();
    expect(loser.log).not.toContain('bake-image: pushed');
  }, 240_000);

  test('the same tree twice, racing (files touched in between): the same digest, and both steps succeed', async () => {
    const racing = await proxy({ holdTagPuts: { count: 2, gapMs: 500 } });
    const same = specFor(racing.host, 'same', '2026-12-03');
    const id = synthesizeBuild(same).mirror.buildIdentity;
    const [first, second] = [workspaceFor(id), workspaceFor(id)];
    // Other mtimes than the first copy's: the layer takes its times from the published Releases.
    const later = new Date(Date.now() + 86_400_000);
    const touch = (p: string) => {
      for (const entry of fs.readdirSync(p, { withFileTypes: true })) {
        const full = path.join(p, entry.name);
        if (entry.isDirectory()) touch(full);
        fs.utimesSync(full, later, later);
      }
    };
    touch(path.join(second, 'public'));
    const [a, b] = await Promise.all([imageStep(same, first), imageStep(same, second)]);
    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    expect(a.pushed).toMatch(/^sha256:/);
    expect(b.pushed).toBe(a.pushed);
    expect(a.image?.[2]).toBe(a.pushed);
    expect(b.image?.[2]).toBe(a.pushed);
    expect((await registry.inspect(`${registry.host}/mini-mirror:same`)).digest).toBe(a.pushed);
  }, 240_000);

  test('a registry that answers 404 for a tag it holds, but lists it: refused before anything is built or pushed', async () => {
    const { first, lying, step } = await pushThenThroughProxy('hidden', ['2026-12-04', '2026-12-05'], { hideTag: 'hidden' });
    expect(step.exitCode).toBe(1);
    expect(step.log).toContain(`bake-image: FAILED: the registry lists the tag ${lying.host}/mini-mirror:hidden but answers 'not found' for its manifest: it does not tell the truth about its tags, so nothing is pushed`);
    expect(step.log).not.toContain('copying');
    expect(lying.requests.filter(r => r.startsWith('PUT') || r.startsWith('POST'))).toEqual([]);
    expect((await registry.inspect(`${registry.host}/mini-mirror:hidden`)).digest).toBe(first.pushed);
  }, 240_000);

  test('a registry that hides a tag it holds everywhere: the step pushes, cannot read its tag back, and fails loudly', async () => {
    const { first, lying, step } = await pushThenThroughProxy('hidden-everywhere', ['2026-12-06', '2026-12-07'], { hideTag: 'hidden-everywhere', hideFromTagList: true });
    expect(step.exitCode).toBe(1);
    expect(step.log).toContain(`bake-image: FAILED: ${lying.host}/mini-mirror:hidden-everywhere answers 'not found' right after this step pushed ${step.pushed} to it: `
      + 'the registry (or a proxy in front of it) does not tell the truth about its tags');
    expect(step.image).toBeNull();
    // What no client can prevent: the registry let the tag be overwritten. Only tag immutability
    // in the registry stops that; the step's failure makes it visible instead of silent.
    expect((await registry.inspect(`${registry.host}/mini-mirror:hidden-everywhere`)).digest).toBe(step.pushed);
    expect(step.pushed).not.toBe(first.pushed);
  }, 240_000);
});
