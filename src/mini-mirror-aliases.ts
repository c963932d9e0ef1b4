import { BuildOptions } from './build/build-options';
import { SmokeTestOptions } from './clients/smoke-test';
import type { MiniMirrorProps } from './mini-mirror';

// The deprecated MiniMirror props folded into the current ones. Goes away with the aliases.

/** The build options, from `build` or its deprecated alias `buildOptions`. */
export function buildOptionsOf(props: MiniMirrorProps): BuildOptions {
  if (props.build !== undefined && props.buildOptions !== undefined) {
    throw new Error('build and buildOptions are both set, but buildOptions is the deprecated name of build: give build only');
  }
  return props.build ?? props.buildOptions ?? {};
}

/** The smoke test's options, or undefined when `smokeTest` is false. */
export function smokeTestOptionsOf(props: MiniMirrorProps): SmokeTestOptions | undefined {
  return (props.smokeTest ?? true) ? { ...props.smokeTestOptions } : undefined;
}
