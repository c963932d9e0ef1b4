/** The upstream the rollback tests build A and B from: B adds `extra` and a newer `app`. */
import { DistributionSpec } from './archive-builder';

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
