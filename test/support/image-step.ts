/** The image step alone, from the Job synthesized from a spec, run with the pod runner on a built workspace. */
import { runPod } from './pod-runner';
import { BuildSpec, synthesizeBuild } from './run-build';

export interface ImageStepResult {
  readonly exitCode: number;
  readonly stdout: string;
  /** stdout and stderr. */
  readonly log: string;
  /** What the spec's Job pushes to, and its build identity. */
  readonly imageRef: string;
  readonly identity: string;
}

/**
 * Runs the image step of `spec`'s Job on `workspace` (the signing key's Secret exists for the pod
 * as on a kubelet, though the image step does not mount it), with `extraEnv` added.
 */
export async function runImageStep(spec: BuildSpec, signingKey: string, workspace: string,
  extraEnv: Record<string, string>): Promise<ImageStepResult> {
  const { mirror, manifests } = synthesizeBuild(spec);
  const pod = await runPod({
    manifests,
    kind: 'Job',
    name: mirror.buildJob.jobName,
    containers: ['image'],
    secrets: { 'mirror-signing': { 'signing-key.asc': signingKey } },
    emptyDirs: { workspace },
    timeoutMs: 120_000,
    extraEnv,
  });
  pod.cleanup();
  const r = pod.results[0];
  return { exitCode: r.exitCode, stdout: r.stdout, log: r.stdout + r.stderr, imageRef: mirror.imageRef, identity: mirror.buildIdentity };
}
