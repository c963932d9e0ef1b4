import { BuildOptions } from './build/build-options';
import { SmokeTestOptions } from './clients/smoke-test';
import type { MiniMirrorProps } from './mini-mirror';
import { MiniMirrorSmokeTestOptions } from './mini-mirror-options';

// The deprecated MiniMirror props (`buildOptions`, `smokeTestOptions`, a boolean `smokeTest`)
// folded into the current ones. Goes away with the aliases.

/** The build options, from `buildJob` or its deprecated alias `buildOptions`. */
export function buildOptionsOf(props: MiniMirrorProps): BuildOptions {
  if (props.buildJob !== undefined && props.buildOptions !== undefined) {
    throw new Error('buildJob and buildOptions are both set, but buildOptions is the deprecated name of buildJob: give buildJob only');
  }
  return props.buildJob ?? props.buildOptions ?? {};
}

/**
 * The smoke test's options, or undefined when it is disabled: from `smokeTest` (`enabled`), its
 * deprecated alias `smokeTestOptions`, and the old boolean `smokeTest` that JavaScript callers may
 * still pass beside `smokeTestOptions`.
 */
export function smokeTestOptionsOf(props: MiniMirrorProps): SmokeTestOptions | undefined {
  const given: unknown = props.smokeTest;
  if (typeof given === 'boolean') return given ? { ...props.smokeTestOptions } : undefined;
  if (given !== undefined && props.smokeTestOptions !== undefined) {
    throw new Error('smokeTest and smokeTestOptions are both set, but smokeTestOptions is the deprecated name of smokeTest: give smokeTest only');
  }
  const { enabled, ...options }: MiniMirrorSmokeTestOptions = props.smokeTest ?? props.smokeTestOptions ?? {};
  return enabled === false ? undefined : options;
}
