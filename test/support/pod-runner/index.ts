/**
 * Test support: run the containers of a *synthesized* pod template (Pod, Job, Deployment, ...)
 * locally, the way kubelet + a container runtime would run them, each in a bubblewrap sandbox.
 *
 * What is emulated (following kubelet/containerd behaviour):
 * - configMap / secret / projected volumes are written with kubelet's atomic-writer layout
 *   (`<vol>/..<timestamp>/<files>`, `<vol>/..data -> ..<timestamp>`, `<vol>/<top> -> ..data/<top>`),
 *   honouring `items`, `defaultMode` (default 0644), per-item `mode`, `optional`, `binaryData`,
 *   Secret `data`/`stringData`, and kubelet's nested mount points. They are always mounted
 *   read-only (as kubelet does since 1.10). emptyDir volumes are one 0777 directory per volume,
 *   shared by all containers of the pod. `fsGroup` ownership/mode changes are applied like
 *   kubelet's SetVolumeOwnership.
 * - volumeMounts with `subPath`/`subPathExpr` (only that file/dir is bound; a missing subPath is
 *   created as a directory), `readOnly`, mounts sorted parent-first like containerd.
 * - env: `value` with `$(VAR)` expansion, `valueFrom` (configMapKeyRef, secretKeyRef, fieldRef),
 *   `envFrom` (configMapRef, secretRef, prefix); PATH/HOME/HOSTNAME defaults as runtimes add them.
 * - command/args with Kubernetes semantics (incl. `$(VAR)` expansion). The image's ENTRYPOINT/CMD
 *   are unknown: without `command` the run throws unless `entrypoints`/`images` says what they are.
 * - securityContext: runAsUser/runAsGroup/runAsNonRoot/fsGroup/supplementalGroups (via setpriv),
 *   readOnlyRootFilesystem (root fs remounted read-only), capabilities (containerd's default set,
 *   `add`/`drop`).
 * - own PID/IPC/UTS namespaces with the command as PID 1 (so, as in a container, a shell without a
 *   trap ignores SIGTERM, and leftover daemons such as gpg-agent die with it), hostname = pod name,
 *   a private /dev with real device nodes (no /dev/pts), /proc, read-only /sys,
 *   /dev/termination-log (or terminationMessagePath, with FallbackToLogsOnError).
 *
 * THE DELIBERATE COMPROMISE: the container image is NOT used. Every container runs on the host's
 * root filesystem (`bwrap --dev-bind / / ...`), so the host's tools (sh, aptly, gpg, nginx, ...)
 * stand in for the ones in the image. The image must provide the same tools; this runner cannot
 * check that. To keep containers from seeing / trampling each other's and the host's scratch
 * state, `privateDirs` (default /tmp, /var/tmp, /root, /run) get a fresh tmpfs per container, like
 * a fresh image would. Everything else on the root filesystem is the host's and is writable
 * unless `readOnlyRootFilesystem` is set, so a container that writes outside its volumes and
 * private dirs writes to the host.
 *
 * Mount points: with `--dev-bind / /`, bwrap creates missing mount points on the host (e.g.
 * `/etc/mini-mirror/build`, `/workspace`). Those are left behind as EMPTY directories (acceptable on
 * a throwaway test machine; removing them could break a concurrently running sandbox). Files are
 * never left behind: a missing file mount point (subPath mount of a file, termination log) is
 * created inside a per-container tmpfs "shadow" of its parent directory (the parent's host entries
 * are bound back into it) or inside a temporary directory bound over a parent that did not exist.
 * Exception: a file mounted directly under `/` would leave an empty file there.
 *
 * Other limitations: containers of a pod run SEQUENTIALLY (init containers and regular containers
 * alike; regular containers really run concurrently), each once (no restartPolicy/backoffLimit),
 * sharing the host network (so they can reach servers started by the test); no service account
 * token, downwardAPI volume, service-link env vars, resource limits, probes, seccomp/AppArmor/
 * SELinux; bwrap always sets no_new_privs (setuid binaries do not elevate). Unsupported features
 * that would change behaviour (hostPath/PVC/... volumes, postStart hooks, sidecar init containers,
 * privileged, resourceFieldRef, sysctls) make `runPod` throw instead of running something different.
 *
 * Temp dirs: every pod gets one temp dir (volumes, logs, shadows). It is kept until
 * `result.cleanup()` (or `materialized.cleanup()`), `cleanupAll()`, the end of the current jest
 * test file (an `afterAll` hook is registered when this module is loaded by a test), or process
 * exit — whichever comes first. Set POD_RUNNER_KEEP=1 to keep them for debugging. Host directories
 * passed in `emptyDirs` are never deleted (and are used as they are, so a test may pre-seed them).
 *
 * Files of this folder, one concern each: types.ts (the public options and results), manifests.ts
 * (finding the pod template and the ConfigMaps/Secrets it references), payload.ts + atomic-writer.ts +
 * volumes.ts (writing configMap/secret/projected/emptyDir volumes as kubelet does), mounts.ts (volumeMounts
 * to host paths), materialize.ts (both, and `materializeVolumes`), env.ts + expand.ts + container.ts +
 * capabilities.ts (a container's env, command, identity and capabilities), sandbox.ts + dev-dir.ts (the
 * bubblewrap filesystem), container-output.ts + process.ts (FIFOs, log, the sandbox process: timeout,
 * abort), run-pod.ts (`runPod`: the containers in order), temp-dirs.ts, host.ts, errors.ts, paths.ts, modes.ts.
 */
export { cleanupAll } from './temp-dirs';
export { PodRunnerError } from './errors';
export { expandKubernetesVars } from './expand';
export { materializeVolumes } from './materialize';
export { runPod } from './run-pod';
export type {
  ContainerResult,
  ImageConfig,
  MaterializedPod,
  MaterializeVolumesOptions,
  PodSourceOptions,
  RunPodOptions,
  RunPodResult,
  SecretContent,
} from './types';
