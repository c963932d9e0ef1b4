// What a source asks for against what its upstream's Release offers, checked before any package
// is downloaded.
import { closestFirst } from '../../util/near-names';
import { SourceConfig } from '../build-json-reader';
import { ReleaseInfo } from '../deb/release-info';
import { BuildError } from '../proc';

export interface PublishedComponent {
  /** As published and as the user wrote it. */
  readonly name: string;
  /** aptly must skip its component check (the security archive lists `updates/main` but serves `main`). */
  readonly force: boolean;
}

export function checkComponents(config: SourceConfig, release: ReleaseInfo, id: string): PublishedComponent[] {
  if (!config.components.length) return [];
  const offered = release.components;
  return config.components.map(name => {
    if (!offered.length || offered.includes(name)) return { name, force: false };
    // Debian's security archive: Release says `updates/main`, files are listed and served as `main/...`.
    if (offered.some(o => o.endsWith(`/${name}`)) && [...release.files.keys()].some(f => f.startsWith(`${name}/`))) {
      return { name, force: true };
    }
    throw new BuildError(`${id}: component "${name}" is not offered by ${config.url} ${config.distribution}; its Release offers: ${closestFirst(name, offered.map(o => o.replace(/^.*\//, ''))).join(', ')}`);
  });
}

export function checkArchitectures(config: SourceConfig, release: ReleaseInfo, id: string): string[] {
  const offered = release.architectures.filter(a => a !== 'source');
  const real = offered.filter(a => a !== 'all');
  if (config.architectures === null) {
    if (real.length) return real;
    if (offered.includes('all')) return ['all'];
    throw new BuildError(`${id}: its aptly.conf asks for every architecture upstream lists, but the Release of ${config.url} ${config.distribution} lists none: set architectures`);
  }
  if (!offered.length) return config.architectures;
  const missing = config.architectures.filter(a => !real.includes(a));
  if (!missing.length) return config.architectures;
  // An upstream of arch:all packages only: they install on every architecture.
  if (!real.length && offered.includes('all')) return ['all'];
  if (missing.length < config.architectures.length) return config.architectures.filter(a => real.includes(a));
  throw new BuildError(`${id}: architecture ${missing.join(', ')} is not offered by ${config.url} ${config.distribution}; its Release offers: ${closestFirst(missing[0], offered).join(', ')}`);
}
