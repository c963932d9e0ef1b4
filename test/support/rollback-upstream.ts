/** The upstream the rollback tests build A and B from: B adds `extra` and a newer `app`. */
import * as path from 'path';
import { DistributionSpec } from './archive-builder';
import { FileServerHandle } from './archive-server';
import { FakeWorld, FakeWorldHandle } from './fake-world';
import { serveStates } from './switchable-upstream';

/** bookworm at `date` with `app` at version `app` (depending on libapp 2.0), and `extra` when asked. */
export function bookworm(date: string, app: string, extra: boolean): DistributionSpec {
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
        { name: 'libapp', version: '2.0', architecture: 'amd64' },
        ...(extra ? [{ name: 'extra', version: '1.0', architecture: 'amd64' }] : []),
      ],
    },
  };
}

export interface RollbackUpstream {
  readonly world: FakeWorldHandle;
  /** Serves `<dir>/upstream`: `debian` (state A or B) and `keys`. */
  readonly server: FileServerHandle;
  /** Points `debian` at state `a` (app 1.1) or `b` (app 1.2 and extra 1.0, a later Release). */
  serves(state: 'a' | 'b'): void;
}

/** A and B in a fake world, served from `<dir>/upstream` at state A; the caller stops server and world. */
export async function startRollbackUpstream(dir: string): Promise<RollbackUpstream> {
  const world = await FakeWorld.start({
    archives: [
      { kind: 'dists', path: 'a', distributions: [bookworm('Sat, 10 Jun 2023 09:00:00 UTC', '1.1', false)] },
      { kind: 'dists', path: 'b', distributions: [bookworm('Sat, 17 Jun 2023 09:00:00 UTC', '1.2', true)] },
    ],
  });
  const { server, serve } = await serveStates(world, path.join(dir, 'upstream'), 'a');
  return { world, server, serves: serve };
}
