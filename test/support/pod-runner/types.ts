/** Content of a Secret key given by the test. */
export type SecretContent = string | Buffer;

/** What we would otherwise read from the container image's config. */
export interface ImageConfig {
  /** ENTRYPOINT */
  readonly entrypoint?: string[];
  /** CMD (used when the container has neither `command` nor `args`) */
  readonly cmd?: string[];
  /** ENV (the container's env overrides it) */
  readonly env?: Record<string, string>;
  /** WORKDIR */
  readonly workingDir?: string;
  /** USER: a uid or 'uid:gid' (numeric) */
  readonly user?: number | string;
  /**
   * Files of the image itself: container path -> host file or directory, mounted read-only, as if
   * the image had them (e.g. the tree an image layer holds, unpacked with umoci).
   */
  readonly files?: Record<string, string>;
}

/** Where the pod comes from. */
export interface PodSourceOptions {
  /** all synthesized objects (plain JSON objects as from cdk8s `Testing.synth(chart)` / parsed YAML) */
  readonly manifests: readonly unknown[];
  /** kind of the object whose pod template to use: Pod, Job, Deployment, StatefulSet, DaemonSet, ReplicaSet, CronJob */
  readonly kind: string;
  /** metadata.name of that object */
  readonly name: string;
  /** metadata.namespace of that object, only needed to disambiguate */
  readonly namespace?: string;
  /** Secrets that are not in the manifests (created out of band): name -> key -> content. Looked up before the manifests. */
  readonly secrets?: Record<string, Record<string, SecretContent>>;
  /** host dir to use for an emptyDir volume, per volume name (kept as is, never deleted); default: fresh temp dirs */
  readonly emptyDirs?: Record<string, string>;
  /** the pod's name, as seen by fieldRef metadata.name and the hostname; default 'test-pod' */
  readonly podName?: string;
}

/** Options of {@link materializeVolumes}. */
export interface MaterializeVolumesOptions extends PodSourceOptions {}

/** Options of {@link runPod}. */
export interface RunPodOptions extends PodSourceOptions {
  /** which containers to run, in order; default: all initContainers in order, then all containers in order */
  readonly containers?: string[];
  /** extra env for every container, as if appended to each container's `env` (seen by `$(VAR)` in command/args) — use sparingly */
  readonly extraEnv?: Record<string, string>;
  /** timeout per container in ms (the sandbox's process group is SIGKILLed); default 120000 */
  readonly timeoutMs?: number;
  /** image -> ENTRYPOINT, for containers without `command` */
  readonly entrypoints?: Record<string, string[]>;
  /** image -> image config (ENTRYPOINT, CMD, ENV, WORKDIR, USER); `entrypoints` takes precedence for the entrypoint */
  readonly images?: Record<string, ImageConfig>;
  /** directories that get a fresh, private tmpfs in every container; default ['/tmp', '/var/tmp', '/root', '/run'] */
  readonly privateDirs?: string[];
  /** aborts the running container (SIGTERM, SIGKILL 2s later); later containers are not run */
  readonly signal?: AbortSignal;
}

/** Outcome of one container. */
export interface ContainerResult {
  readonly name: string;
  /** exit code; 128+N when killed by signal N (137 on timeout), like Kubernetes reports it */
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
  /** true when killed because of `timeoutMs` */
  readonly timedOut: boolean;
  /** true when killed because `signal` aborted */
  readonly aborted: boolean;
  /** the argv run inside the sandbox (after `$(VAR)` expansion) */
  readonly argv: string[];
  /** host file with stdout and stderr as they came (interleaved) */
  readonly logFile: string;
  /** what the container wrote to its terminationMessagePath */
  readonly terminationMessage: string;
}

/** Outcome of {@link runPod}. */
export interface RunPodResult {
  /** one entry per container that was started, in order */
  readonly results: ContainerResult[];
  /** the first non-zero exit code, or 0 */
  readonly exitCode: number;
  /** name of the first failing container, if any */
  readonly failedContainer?: string;
  /** emptyDir volume name -> host dir */
  readonly emptyDirs: Record<string, string>;
  /** volume name -> host dir of every materialized volume */
  readonly volumes: Record<string, string>;
  /** the pod's temp dir (volumes, logs) */
  readonly tempDir: string;
  /** remove the temp dir now (caller-provided emptyDirs are kept) */
  cleanup(): void;
}

/** Volumes of a pod written to the host, without running anything. */
export interface MaterializedPod {
  /** the pod's temp dir */
  readonly tempDir: string;
  /** volume name -> host dir (configMap/secret/projected: kubelet's ..data layout) */
  readonly volumes: Record<string, string>;
  /** emptyDir volume name -> host dir */
  readonly emptyDirs: Record<string, string>;
  /** container name -> mountPath -> host path bound there (subPath resolved) */
  readonly mounts: Record<string, Record<string, string>>;
  /** volumes that cannot be emulated: name -> volume type (they are not mounted) */
  readonly unsupportedVolumes: Record<string, string>;
  /**
   * The host path of a path as the container sees it through its volume mounts, e.g.
   * `hostPath('main', '/etc/mini-mirror/build/build.json')`; undefined when the path is not on a volume.
   */
  hostPath(container: string, pathInContainer: string): string | undefined;
  /** remove the temp dir now (caller-provided emptyDirs are kept) */
  cleanup(): void;
}

