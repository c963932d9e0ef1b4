import { SmokeTestOptions } from './clients/smoke-test';

/**
 * The smoke-test Job of a `MiniMirror`: whether it runs, and how.
 */
export interface MiniMirrorSmokeTestOptions extends SmokeTestOptions {
  /**
   * Run a smoke-test Job that checks the served mirror with apt-get.
   * @default true
   */
  readonly enabled?: boolean;
}
