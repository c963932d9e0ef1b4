/**
 * Incremental carry-in, shared by test/cli/carry-in.e2e.test.ts and bench/carry-in.ts: an upstream
 * with builds A and B (B: A plus `added` packages and one upgraded), the CLI's build and push in
 * their own processes, and what B's image adds to a registry that holds A's, read from the
 * registry's manifests and the OCI layouts' layer blobs.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DistributionSpec, PackageSpec, WorldSpec } from './archive-builder';
import { writeCliInputs } from './cli-inputs';
import { runMiniMirror } from './cli-process';
import { FakeWorld } from './fake-world';
import { RegistryHandle, startRegistry } from './registry';
import { RegistryProxyHandle, startRegistryProxy } from './registry-proxy';
import { serveStates } from './switchable-upstream';

/** The size of the two upstream states. */
export interface CarryWorldOptions {
  /** Packages in A. */
  readonly packages: number;
  /** Packages B adds, spread over the sorted names (B also upgrades pkg-0001). */
  readonly added: number;
  /** Incompressible payload of each .deb, bytes. */
  readonly payloadBytes: number;
  /** With it, payloads spread from `payloadBytes` up to this (deterministically by package). @default payloadBytes */
  readonly maxPayloadBytes?: number;
}

function name(i: number): string {
  return `pkg-${String(i).padStart(4, '0')}`;
}

/** The packages B adds: next to A's, spread evenly (a refresh's new packages are not all at the end of the alphabet). */
function addedNames(o: CarryWorldOptions): string[] {
  return Array.from({ length: o.added }, (_, j) => `${name(Math.floor(((j + 0.5) * o.packages) / o.added) + 1)}-new`);
}

function bookworm(date: string, packages: PackageSpec[]): DistributionSpec {
  return { name: 'bookworm', origin: 'Debian', label: 'Debian', suite: 'stable', codename: 'bookworm', date, architectures: ['amd64'], components: { main: packages } };
}

/** The upstream's states `a` and `b`, one archive each, signed by the key 'archive'. */
export function carryWorld(o: CarryWorldOptions): WorldSpec {
  const spread = Math.max((o.maxPayloadBytes ?? o.payloadBytes) - o.payloadBytes, 0);
  const pkg = (i: number, version: string, called = name(i)): PackageSpec => ({
    name: called, version, architecture: 'amd64', payloadBytes: o.payloadBytes + (spread ? (i * 7919 + (version === '1.0' ? 0 : 104729)) % spread : 0),
  });
  const a = Array.from({ length: o.packages }, (_, i) => pkg(i + 1, '1.0'));
  const b = [pkg(1, '1.1'), ...a.slice(1), ...addedNames(o).map((n, j) => pkg(o.packages + j + 1, '1.0', n))];
  return {
    archives: [
      { kind: 'dists', path: 'a', distributions: [bookworm('Sat, 10 Jun 2023 09:00:00 UTC', a)] },
      { kind: 'dists', path: 'b', distributions: [bookworm('Sat, 17 Jun 2023 09:00:00 UTC', b)] },
    ],
  };
}

/** packages.txt of a state: every package it has. */
export function carryPackages(o: CarryWorldOptions, state: 'a' | 'b'): string {
  const names = Array.from({ length: o.packages }, (_, i) => name(i + 1));
  return [...names, ...(state === 'b' ? addedNames(o) : [])].map(n => `${n}\n`).join('');
}

/** `mini-mirror <command>` in its own process (async: the fake upstream serves from this one); throws with its output when it fails. */
export async function mirrorCli(command: string, args: string[], cwd: string): Promise<string> {
  const r = await runMiniMirror([command, ...args], { cwd, timeoutMs: 1_800_000 });
  if (r.exitCode !== 0) throw new Error(`mini-mirror ${command} failed (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A running upstream with the two states, a registry behind a counting proxy, and the CLI's options. */
export interface CarrySetup {
  readonly dir: string;
  readonly registry: RegistryHandle;
  readonly proxy: RegistryProxyHandle;
  /** The CLI's options every build here shares (sources, keys, image, base image). */
  readonly common: string[];
  /** Points the upstream (and packages.txt) at a state. */
  serve(state: 'a' | 'b'): void;
  stop(): Promise<void>;
}

/** Starts the upstream, the registry and its proxy, and writes sources, keys and an empty base image into a new directory. */
export async function startCarry(o: CarryWorldOptions): Promise<CarrySetup> {
  const world = await FakeWorld.start(carryWorld(o));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-carry-in-'));
  const registry = await startRegistry();
  const proxy = await startRegistryProxy(registry.host);
  const { server: upstream, serve } = await serveStates(world, path.join(dir, 'upstream'));
  const { common } = await writeCliInputs(dir, upstream.url, world.keys.archive.fingerprint);
  const sources = path.join(dir, 'sources', 'debian', 'bookworm');
  return {
    dir,
    registry,
    proxy,
    common,
    serve(state) {
      serve(state);
      fs.writeFileSync(path.join(sources, 'packages.txt'), carryPackages(o, state));
    },
    async stop() {
      await proxy.stop();
      await registry.stop();
      await upstream.stop();
      await world.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `mini-mirror build` of the upstream's `state` into `out` (in the setup's directory), then
 * `mini-mirror push` through the proxy; the tag, and how many blobs the push uploaded.
 */
export async function buildAndPush(setup: CarrySetup, state: 'a' | 'b', out: string, ...extra: string[]): Promise<{ tag: string; uploads: number }> {
  setup.serve(state);
  const built = await mirrorCli('build', [...setup.common, '--out', out, ...extra], setup.dir);
  const tag = /^built registry\.example\.com\/mini-mirror:(\S+) /m.exec(built)![1];
  const before = setup.proxy.requests.length;
  await mirrorCli('push', ['--out', out, '--to', `docker://${setup.proxy.host}/mini-mirror`, '--dest-tls-verify=false'], setup.dir);
  const uploads = setup.proxy.requests.slice(before).filter(r => /^POST \/v2\/mini-mirror\/blobs\/uploads\//.test(r)).length;
  return { tag, uploads };
}

/** One layer of an image: its blob's digest and size, and the paths in it (regular files only). */
export interface Layer {
  readonly digest: string;
  readonly size: number;
  readonly files: string[];
}

function blob(layout: string, digest: string): string {
  return path.join(layout, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
}

/** The layers of `layout:tag`, in order, with the files each holds (tar's listing of the blob). */
export function layoutLayers(layout: string, tag: string): Layer[] {
  const index = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8'));
  const entry = index.manifests.find((m: any) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (!entry) throw new Error(`${layout} has no image tagged ${tag}`);
  const manifest = JSON.parse(fs.readFileSync(blob(layout, entry.digest), 'utf8'));
  return manifest.layers.map((l: { digest: string; size: number }) => {
    const listing = spawnSync('tar', ['-tvzf', blob(layout, l.digest)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (listing.status !== 0) throw new Error(`tar -tzf ${l.digest}: ${listing.stderr}`);
    const files = listing.stdout.split('\n').filter(line => line.startsWith('-')).map(line => line.split(/\s+/).slice(5).join(' '));
    return { digest: l.digest, size: l.size, files };
  });
}

/** The layers of `ref` (REGISTRY/REPOSITORY:TAG) as the registry's manifest lists them: digest and size. */
export async function registryLayers(registry: RegistryHandle, ref: string): Promise<Array<{ digest: string; size: number }>> {
  const r = await registry.skopeo('inspect', '--raw', '--tls-verify=false', `docker://${ref}`);
  if (r.exitCode !== 0) throw new Error(`skopeo inspect --raw ${ref}: ${r.stderr}`);
  return JSON.parse(r.stdout).layers;
}

/** The pool files of a published tree (a path with a pool/ directory, outside dists/), relative, with their sizes. */
export function poolFiles(tree: string): Map<string, number> {
  const found = new Map<string, number>();
  const walk = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(dir, e.name), r);
      else if (e.isFile() && r.split('/').includes('pool') && !r.split('/').includes('dists')) found.set(r, fs.statSync(path.join(dir, e.name)).size);
    }
  };
  walk(tree, '');
  return found;
}

/** What carrying B into a registry that holds A moves, against B's new .debs and B's whole image. */
export interface CarryFigures {
  /** Pool files B has that A has not, and their bytes. */
  readonly newDebs: number;
  readonly newDebBytes: number;
  /** B's layers, and those the registry held already (A's). */
  readonly layers: number;
  readonly sharedLayers: number;
  /** Bytes of B's layer blobs the registry did not hold, and of all B's layer blobs. */
  readonly addedBytes: number;
  readonly totalBytes: number;
}

/** The figures from the registry's manifests of A and B and the two published trees. */
export function carryFigures(layersA: Array<{ digest: string }>, layersB: Array<{ digest: string; size: number }>,
  treeA: string, treeB: string): CarryFigures {
  const held = new Set(layersA.map(l => l.digest));
  const poolA = poolFiles(treeA);
  const fresh = [...poolFiles(treeB)].filter(([f]) => !poolA.has(f));
  const added = layersB.filter(l => !held.has(l.digest));
  return {
    newDebs: fresh.length,
    newDebBytes: fresh.reduce((n, [, size]) => n + size, 0),
    layers: layersB.length,
    sharedLayers: layersB.length - added.length,
    addedBytes: added.reduce((n, l) => n + l.size, 0),
    totalBytes: layersB.reduce((n, l) => n + l.size, 0),
  };
}
