// Every help text states the exit codes; which inputs can be wrong depends on the command.
function exitCodes(inputs: string): string {
  return `exit codes:
  0  success
  1  the inputs are wrong: ${inputs}
     (every problem is printed, in one run)
  2  the command line is wrong: unknown command or option, missing or extra argument, missing
     required option, option without value, conflicting options`;
}
const INPUTS = 'a file it names does not exist or cannot be read, its content is\n     invalid, or an option value is invalid';

const SOURCE_OPTIONS = `per source (repeatable; ID is a source id as "mini-mirror check" lists it: <prefix>/<name>,
or <name>/<distribution> in a YAML file):
  --key-fingerprint ID=FPR    pin the upstream key of source ID to fingerprint FPR
  --world ID=WORLD            put source ID into dependency world WORLD (default: derived from its
                              distribution, bookworm-security: bookworm; needed for a flat
                              repository in a mirror of several worlds)
  --allow-missing-dependencies ID
                              publish source ID even if some dependencies are missing upstream
  --allow-broad-queries ID    accept queries of source ID that alone match (nearly) the whole
                              archive, such as "!python3" or "Name (% *)"
  --insecure-key-url ID       accept an http:// key_url of source ID without a pinned fingerprint
                              (anyone on the path can replace the key; pin it instead)
  --allow-distribution-mismatch ID
                              mirror source ID even when its Release's Suite and Codename
                              both differ from its distribution (a warning, as apt gives)
  --insecure-skip-upstream-verification ID
                              do not verify upstream signatures of source ID (allows
                              "gpgDisableVerify": true in its aptly.conf; never in production)
  --allow-downgrade ID        build source ID even when upstream went back in time against the
                              previous build (an older Release Date, a lower package version):
                              a warning instead of a refusal`;

export const USAGE = `usage: mini-mirror <command> [options]

commands:
  check <sources-dir | sources.yaml>   validate sources; print every problem with file:line
  synth --sources <dir|yaml> ...       write the Kubernetes YAML that MiniMirror synthesizes
  build --sources <dir|yaml> ...       build the mirror on this host: the signed tree and the
                                       serving image as an OCI layout, for an air-gapped registry
  push --out DIR --to docker://REF     copy a build's image into a registry, write-once
  diff OLD.json NEW.json [--json]      what changed between two builds (their manifest.json)
  help [command]                       show this help, or a command's

options:
  -h, --help                           show this help; after a command, that command's help
  --version                            print the version of mini-mirror

${exitCodes(INPUTS)}`;

export const CHECK_USAGE = `usage: mini-mirror check <sources-dir | sources.yaml> [options]

Validates a seed sources directory (<dir>/<prefix>/<name>/{source.txt,packages.txt[,aptly.conf]})
or a seed multi-document sources YAML file, and prints every problem with file:line:column.
Give it the same per-source options as synth, to check what synth would load.

${SOURCE_OPTIONS}
  -h, --help                  show this help

${exitCodes(INPUTS)}`;

export const SYNTH_USAGE = `usage: mini-mirror synth --sources <dir|yaml> --signing-secret NAME --public-key FILE --image REPO [options]

Writes the YAML that the MiniMirror construct synthesizes to <out>/<name>.k8s.yaml. Checks every
option value, the public key and the sources first, and prints all problems at once.

required:
  --sources <dir|yaml>        seed sources directory or YAML file
  --signing-secret NAME       Secret holding the armored private key (and passphrase)
  --public-key FILE           armored public key of the signing key
  --image REPO                image repository to push and serve, e.g. registry.example.com/mini-mirror
options:
  --prebuilt                  the image was made by "mini-mirror build" and copied into --image:
                              synthesize no build Job (nothing then needs the internet)
  --image-digest DIGEST       the image's digest (sha256:..., printed by the image step and by
                              "mini-mirror build"): the server pods run REPO@DIGEST, so every
                              replica serves the same tree (default: REPO:TAG, pulled Always)
  --refresh-epoch EPOCH       refresh epoch, e.g. a date (2026-11-27): part of the build identity, so
                              a new epoch rebuilds the same inputs under a new image tag (default:
                              none); reverting it serves an older Date, which apt clients that
                              updated ignore: roll back with --rollback-to
  --rollback-to docker://REGISTRY/REPOSITORY:TAG
                              the build Job serves that earlier build's packages again, dated after
                              the served build and signed anew, as a new image (its own tag); the
                              image must be in --image's registry (fetched with --push-secret,
                              --registry-ca-*, --insecure-registry); with --prebuilt: ignored (the
                              host build took it)
  --valid-for DURATION        publish Releases with Valid-Until this long after their Date, e.g. 14d:
                              clients refuse the mirror once it is older (1h to 3650d; default: no
                              Valid-Until, clients accept it however old)
  --passphrase-key KEY        Secret key holding the passphrase (omit for a key without one)
  --private-key-key KEY       Secret key holding the private key (default signing-key.asc)
  --push-secret NAME          docker-config Secret for pushing the image
  --pull-secret NAME          docker-config Secret the server pods pull the image with
  --client-key-path PATH      client .sources name the key file PATH (e.g. /etc/apt/keyrings/mirror.asc)
                              instead of embedding the key; needed for very many sources
  --base-url URL              base URL the client .sources use, e.g. http://node1.example:30888 with a
                              NodePort, or an external name (default: the Service, in --namespace)
serving:
  --replicas N                nginx replicas (default 2; a PodDisruptionBudget only with 2 or more)
  --service-type TYPE         clusterip (default), nodeport or loadbalancer
  --node-port N               the NodePort (with --service-type nodeport; in the cluster's range)
  --service-port N            the Service's port (default 80; the seed used 8888)
  --ingress-host HOST         serve through an Ingress for HOST (clients then use it)
  --ingress-class NAME        its ingressClassName
  --tls-secret NAME           its TLS Secret (clients then use https)
  --no-smoke-test             synthesize no smoke-test Job
  --smoke-test-image IMAGE    image of the smoke-test Job (default docker.io/library/debian:bookworm-slim;
                              with --prebuilt, one in the --image registry)
build:
  --http-proxy URL, --https-proxy URL, --no-proxy LIST
                              proxy settings of the build (no credentials in the URL)
  --mirror-image IMAGE        image of the mirror step (default debian:bookworm-slim)
  --builder-image IMAGE       the prepared builder image (images/builder) for every build step
  --base-image REF            the image step's serving base image (default
                              docker.io/nginxinc/nginx-unprivileged:1.27.3-bookworm); with --prebuilt,
                              the one mini-mirror build was given: resolved to its digest as build
                              resolves it, so both compute the same build identity
  --concurrency N             sources whose aptly work runs at once (default 4)
  --retries N                 download attempts (default 3)
  --stall-timeout DURATION    a download with no byte for this long is retried (default 2m)
  --build-deadline DURATION   the build Job's activeDeadlineSeconds (default 6h)
  --mirror-size-estimate SIZE the mirror's size, e.g. 50Gi: sizes the workspace (default 10Gi)
  --workspace-claim NAME      an existing PersistentVolumeClaim as the workspace
  --insecure-registry         reach the registry without TLS verification (plain HTTP)
  --registry-ca-configmap NAME[:KEY], --registry-ca-secret NAME[:KEY]
                              the registry's CA bundle (key default ca.crt)
  --architecture ARCH         client architecture to mirror, repeatable or comma-separated (default
                              amd64; a source's own or its aptly.conf's architectures win)
  --no-recommends             do not mirror Recommends (apt installs them by default); the client
                              ConfigMap then tells clients APT::Install-Recommends "false"
  --namespace NS              namespace of every object, a DNS label (default: none, i.e. kubectl's)
  --name NAME                 base name of the objects (default mirror)
  --out DIR                   output directory, created if missing (default dist)
  --insecure-unsigned         publish unsigned (never in production; no --signing-secret/--public-key)
  --signing-key, --passphrase-file, --previous-manifest, --from-tree
                              mini-mirror build's own options: accepted and ignored (with a note),
                              so build and synth take the same command line
  -h, --help                  show this help
${SOURCE_OPTIONS}

${exitCodes('the --sources or --public-key path does not exist, cannot be read\n     or is invalid, an option value is invalid, or --out is a file')}`;

export const DIFF_USAGE = `usage: mini-mirror diff OLD.json NEW.json [--json] [--fail-on-downgrade]

Compares the manifest.json of two builds (served at the mirror's root, e.g.
http://<mirror>/manifest.json) and lists the packages added, removed and changed, per dependency
world, marking versions that came from a security pocket ([security]) and packages whose newest
version went down ([DOWNGRADE]), with the new build's upstream Release dates; an upstream whose
Release is older than in the old build is listed as a downgrade too.

options:
  --json                      print the comparison as JSON instead of text
  --fail-on-downgrade         exit 3 when a package version went down or an upstream Release
                              is older than in the old build
  -h, --help                  show this help

${exitCodes('a manifest file does not exist, cannot be read or is no mini-mirror manifest')}
  3  with --fail-on-downgrade: the new build went back in time (downgrades listed)`;

export const BUILD_USAGE = `usage: mini-mirror build --sources <dir|yaml> --public-key FILE --signing-key FILE --image REPO [options]

Runs the build Job's steps on this host (a connected Linux machine or CI runner) from exactly the
YAML that synth writes with the same options: the mirror step, then the serving image as an OCI
layout. Copy it into the registry the air-gapped cluster pulls from (mini-mirror push), then
synthesize the serving side with the same options and --prebuilt: the image tag is the build
identity, so both agree. Needs aptly, gnupg, curl, xz-utils, bzip2, dose-distcheck, skopeo,
umoci, util-linux (flock) and Node.js on the host; it says which are missing.

build options:
  --signing-key FILE          the armored private key (what the signing Secret holds)
  --passphrase-file FILE      its passphrase, when the key has one (with --passphrase-key)
  --base-image REF            serving base image, a skopeo source (docker://..., oci:DIR:TAG),
                              resolved to its digest before anything else (an unreachable one
                              fails in seconds); the digest is part of the build identity, so
                              give synth --prebuilt the same --base-image
                              (default: the build Job's, docker.io/nginxinc/nginx-unprivileged:1.27.3-bookworm)
  --from-tree DIR             bake the image from the signed tree an earlier build kept (its --out,
                              or its public/) without mirroring again, e.g. after the image step
                              failed; it must be this build (same options); no --signing-key needed
  --out DIR                   where public/ (the signed tree) and oci/ (the image) go
                              (default mini-mirror-build); a new or empty directory, or one an
                              earlier build made (its public/ and oci/ are replaced); one build
                              at a time (a second one is refused)
  --previous-manifest FILE|URL
                              the previous build's manifest.json: refuse an upstream that went
                              back in time against it (default: none, nothing is compared)
  --rollback-to DIR|IMAGE     roll back: serve an earlier build's packages again (DIR: its --out,
                              or that public/; IMAGE: docker://REGISTRY/REPOSITORY:TAG or
                              oci:DIR:TAG, the image it was pushed as), nothing mirrored, dated
                              after the served build (needs --previous-manifest: the served
                              build's manifest.json) and signed anew, as a new image tag rollback-<hash>
  --src-tls-verify=false      with --rollback-to docker://: reach the registry over plain HTTP or
                              without verifying TLS
  --src-cert-dir DIR          with --rollback-to docker://: directory with the registry's CA (*.crt)
  --src-authfile FILE         with --rollback-to docker://: credentials as a containers-auth.json
The signing key, its passphrase and the GNUPGHOME it is imported into stay in a private directory
in memory ($XDG_RUNTIME_DIR or /dev/shm), never in --out; a watchdog removes them however the
build ends, SIGKILL included. SIGINT, SIGTERM and SIGHUP stop the build: nothing is published, the
exit code is 130, 143 or 129.
every synth option (--sources, --public-key, --image, --architecture, --refresh-epoch,
--signing-secret, per-source options, ...) as "mini-mirror synth --help" lists them.

${exitCodes(INPUTS + ', a tool is missing, or the build failed')}`;

export const PUSH_USAGE = `usage: mini-mirror push --out DIR --to docker://REGISTRY/REPOSITORY[:TAG] [options]

Copies the serving image that "mini-mirror build --out DIR" wrote (DIR/oci) into a registry with
skopeo, keeping its digest, under the rule of the build Job's image step: a tag is written once.
The tag already holds this build: nothing to do (exit 0). It holds another build (or an image
without a build identity): refused, naming both, and the registry is left unchanged (exit 1).

options:
  --out DIR                   the --out directory of a finished mini-mirror build (required)
  --to docker://REPO[:TAG]    the target repository (required); the tag defaults to the image's
                              own in DIR/oci, the build identity mini-mirror build printed
  --dest-tls-verify=false     reach the registry over plain HTTP or without verifying TLS
  --dest-cert-dir DIR         directory with the registry's CA certificate (*.crt), trusted in
                              addition to the system CAs
  --dest-authfile FILE        credentials as a containers-auth.json (skopeo login --authfile
  --authfile FILE             FILE writes one); never give credentials on the command line
  --timeout SECONDS           how long to wait for the registry's answers (default 60)
  -h, --help                  show this help

${exitCodes('--out has no image, an option value is invalid, the registry cannot\n     be reached, or the tag holds another build')}`;
