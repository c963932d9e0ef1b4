/**
 * One upstream URL whose content changes between builds: every state is a genuinely signed
 * archive of one world (one upstream key), as a replay or a freeze would be. `serve(state)` points
 * the URL at a state.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DistributionSpec, WorldSpec } from './archive-builder';
import { FileServerHandle, startFileServer } from './archive-server';
import { FakeWorld, FakeWorldHandle } from './fake-world';

export const A_DATE = 'Sat, 10 Jun 2023 09:00:00 UTC';
export const OLDER_DATE = 'Sat, 03 Jun 2023 09:00:00 UTC';
export const LATER_DATE = 'Sat, 17 Jun 2023 09:00:00 UTC';
export const NEWER_DATE = 'Sat, 24 Jun 2023 09:00:00 UTC';

function bookworm(date: string, app: string, lib: string): DistributionSpec {
  return {
    name: 'bookworm',
    origin: 'Debian',
    label: 'Debian',
    suite: 'stable',
    codename: 'bookworm',
    date,
    architectures: ['amd64'],
    components: {
      main: [
        { name: 'app', version: app, architecture: 'amd64', depends: 'libapp' },
        { name: 'libapp', version: lib, architecture: 'amd64' },
      ],
    },
  };
}

/** Every state the upstream goes through, one archive each, all signed by the key 'archive'. */
const STATES: WorldSpec = {
  archives: [
    { kind: 'dists', path: 'a', distributions: [bookworm(A_DATE, '1.1', '2.0')] },
    // a replay of an earlier, genuinely signed Release
    { kind: 'dists', path: 'older', distributions: [bookworm(OLDER_DATE, '1.0', '2.0')] },
    // a newer Release that takes a package back
    { kind: 'dists', path: 'down', distributions: [bookworm(LATER_DATE, '1.0', '2.1')] },
    // an ordinary update
    { kind: 'dists', path: 'newer', distributions: [bookworm(NEWER_DATE, '1.2', '2.1')] },
  ],
};
export type State = 'a' | 'older' | 'down' | 'newer';

export interface SwitchableUpstream {
  /** http://127.0.0.1:<port>/debian: dists/bookworm of the state being served. */
  readonly url: string;
  /** The armored upstream key, the same for every state. */
  readonly keyUrl: string;
  readonly armoredKey: string;
  /** The upstream key's fingerprint (a pin: its key_url is plain http on loopback). */
  readonly fingerprint: string;
  readonly requests: string[];
  serve(state: State): void;
  stop(): Promise<void>;
}

/** A fake world's states behind one server on `root`: `keys/`, and `debian/` the state served. */
export interface ServedStates {
  readonly server: FileServerHandle;
  /** Points `debian` at the world's archive `state`: the server's URLs stay the same. */
  serve(state: string): void;
}

/** Serves `world`'s archives from `root` (made if missing), `debian` at `initial` if given; the caller stops the server. */
export async function serveStates(world: FakeWorldHandle, root: string, initial?: string): Promise<ServedStates> {
  fs.mkdirSync(root, { recursive: true });
  fs.symlinkSync(path.join(world.world.publicDir, 'keys'), path.join(root, 'keys'));
  const link = path.join(root, 'debian');
  const serve = (state: string) => {
    fs.rmSync(link, { force: true });
    fs.symlinkSync(path.join(world.world.publicDir, state), link);
  };
  if (initial !== undefined) serve(initial);
  return { server: await startFileServer(root), serve };
}

export async function startSwitchableUpstream(): Promise<SwitchableUpstream> {
  const world: FakeWorldHandle = await FakeWorld.start(STATES);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-switchable-'));
  const { server, serve } = await serveStates(world, root, 'a');
  return {
    url: `${server.url}/debian`,
    keyUrl: `${server.url}/keys/archive.asc`,
    armoredKey: world.keys.archive.armored,
    fingerprint: world.keys.archive.fingerprint,
    requests: server.requests,
    serve,
    stop: async () => {
      await server.stop();
      await world.stop();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
