#!/usr/bin/env bash
# build-mirror.sh: the mirror step's entry point. Makes sure the tools are there, then runs the
# build (build-runner.js, bundled from src/runner/) with Node.js. The interface (mounts,
# build.json, output tree) is docs/build-contract.md.
#
# Tools: aptly (mirror, snapshot, publish), gnupg/gpgv (keys, signatures), curl (downloads with a
# stall timeout), xz/bzip2 (indexes), dose-debcheck (Debian's resolver judges the result), nodejs.
set -euo pipefail

BUILD_DIR=${MINI_MIRROR_BUILD_DIR:-/etc/mini-mirror/build}

die() {
  printf 'ERROR: %s\n' "$*" >&2
  printf 'BUILD FAILED (exit 1): nothing was written\n' >&2
  exit 1
}

ensure_tools() {
  local missing=() tool
  for tool in aptly gpg gpgv gpgconf curl xz bzip2 dose-debcheck node; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if ((${#missing[@]} == 0)); then return 0; fi
  if [[ $(id -u) != 0 ]]; then
    die "missing tools (${missing[*]}) and not running as root to install them: use a mirror image that has them (buildJob.builderImage, or buildJob.mirrorImage with mirrorImageHasTools)"
  fi
  printf 'installing missing tools: %s\n' "${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends --no-upgrade \
    aptly gnupg gpgv ca-certificates curl xz-utils bzip2 dose-distcheck nodejs
  for tool in "${missing[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is still missing after installing packages"
  done
}

# curl ignores upper-case HTTP_PROXY (and apt only reads the lower-case names); aptly reads both.
if [[ -n ${HTTP_PROXY:-} && -z ${http_proxy:-} ]]; then export http_proxy=$HTTP_PROXY; fi
if [[ -n ${HTTPS_PROXY:-} && -z ${https_proxy:-} ]]; then export https_proxy=$HTTPS_PROXY; fi
if [[ -n ${NO_PROXY:-} && -z ${no_proxy:-} ]]; then export no_proxy=$NO_PROXY; fi

# The Job's `check` step found this very build in the registry already (a re-created Job, or a
# rollback to an earlier build): there is nothing to build.
WORKSPACE=${MINI_MIRROR_WORKSPACE:-/workspace}
if [[ -n ${MINI_MIRROR_BUILD_IDENTITY:-} && -f $WORKSPACE/.already-published ]] &&
  [[ $(<"$WORKSPACE/.already-published") == "$MINI_MIRROR_BUILD_IDENTITY" ]]; then
  printf 'mini-mirror: build %s is already in the registry: nothing to build\n' "${MINI_MIRROR_BUILD_IDENTITY:0:12}"
  exit 0
fi

ensure_tools
[[ -r $BUILD_DIR/build-runner.js ]] || die "$BUILD_DIR/build-runner.js is missing"
exec node "$BUILD_DIR/build-runner.js" "$@"
