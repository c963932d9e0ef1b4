// What a MiniMirror decides for each source beyond its own props: its world and architectures.
import { AptlyConfig } from './aptly-config';
import { DEFAULT_ARCHITECTURES, resolveArchitectures } from './architectures';
import type { MirrorSource } from './mirror-source';
import { assignWorlds } from './worlds';

/** Mirror-wide settings the resolution depends on. */
export interface ResolutionOptions {
  /** @default ['amd64'] */
  readonly architectures?: readonly string[];
  /** @default - none: sources without an aptly config use the mirror's architectures */
  readonly defaultAptlyConfig?: AptlyConfig;
}

/** A source with everything the build, the clients and the smoke test need to know. */
export interface ResolvedSource {
  readonly source: MirrorSource;
  readonly world: string;
  /** null: every architecture the upstream Release lists. */
  readonly architectures: string[] | null;
}

/**
 * Copies of the sources with world and architectures resolved, as `MiniMirror.sources`. The
 * constructs given these copies (build config, client config, smoke test) read them as they are.
 */
export function resolveSources(sources: readonly MirrorSource[], options: ResolutionOptions = {}): MirrorSource[] {
  return resolvedSources(sources, options).map(r => r.source._resolved(r.world, r.architectures ?? []));
}

/** World and architectures of each source: as resolved by a MiniMirror, else with the defaults. */
export function resolvedSources(sources: readonly MirrorSource[], options: ResolutionOptions = {}): ResolvedSource[] {
  const worlds = assignWorlds(sources);
  const mirror = options.architectures ?? DEFAULT_ARCHITECTURES;
  return sources.map((source, i) => ({
    source,
    world: worlds[i],
    architectures: source._isResolved
      ? (source.architectures.length > 0 ? [...source.architectures] : null)
      : resolveArchitectures(source, options.defaultAptlyConfig, mirror),
  }));
}
