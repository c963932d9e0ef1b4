// Which architectures a source mirrors (see MirrorSourceProps.architectures for the rule).
import { AptlyConfig } from './aptly-config';
import type { MirrorSource } from './mirror-source';
import { checkArchitecture } from './validation';

/** The mirror-wide default. */
export const DEFAULT_ARCHITECTURES: readonly string[] = ['amd64'];

/** Problems with a mirror-wide architecture list (empty when fine). */
export function checkMirrorArchitectures(architectures: readonly string[]): string[] {
  if (architectures.length === 0) return ['architectures is empty: list the architectures of your clients, e.g. ["amd64"]'];
  const problems = architectures.map(checkArchitecture).filter((p): p is string => p !== undefined);
  const twice = architectures.filter((a, i) => architectures.indexOf(a) !== i);
  if (twice.length) problems.push(`architecture "${twice[0]}" is listed twice`);
  return problems;
}

/**
 * The `architectures` key of an aptly config: its list, or undefined when the config does not
 * have the key (an empty list means every architecture the upstream Release lists).
 */
export function configArchitectures(config: AptlyConfig | undefined): string[] | undefined {
  const value = config?.json.architectures;
  return Array.isArray(value) ? [...value as string[]] : undefined;
}

/**
 * The architectures a source mirrors: the typed list when non-empty; else the effective aptly
 * config's `architectures` when it has the key (empty: null, every architecture upstream
 * lists); else the mirror's.
 */
export function resolveArchitectures(source: MirrorSource, defaultConfig: AptlyConfig | undefined, mirror: readonly string[]): string[] | null {
  if (source.architectures.length > 0) return [...source.architectures];
  const fromConfig = configArchitectures(source.aptlyConfig ?? defaultConfig);
  if (fromConfig !== undefined) return fromConfig.length > 0 ? fromConfig : null;
  return [...mirror];
}
