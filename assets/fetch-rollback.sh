#!/usr/bin/env bash
# fetch-rollback.sh: the build Job's `rollback` init container (BuildOptions.rollbackTo), between
# the check step and the mirror step. It copies an earlier build's serving image out of the
# registry with skopeo, unpacks it rootless with umoci, and leaves the published tree the image
# step put at /srv/mirror (bake-image-oci.sh) in $workspace/rollback-from, where build.json's
# rollbackFrom points the mirror step: that step serves it again, re-dated and re-signed.
#
# When the check step found this very build in the registry already ($workspace/.already-published
# holds its identity), there is nothing to fetch.
#
# Inputs (env): MINI_MIRROR_ROLLBACK_IMAGE (the earlier image: repository:tag or
# repository@sha256:...; only ever used as one quoted argument), MINI_MIRROR_BUILD_IDENTITY,
# MINI_MIRROR_INSECURE_REGISTRY, MINI_MIRROR_REGISTRY_CA_DIR, REGISTRY_AUTH_FILE (as for the image
# step), MINI_MIRROR_WORKSPACE (default /workspace), MINI_MIRROR_BUILD_DIR (default /etc/mini-mirror/build).
set -euo pipefail

workspace=${MINI_MIRROR_WORKSPACE:-/workspace}
build_dir=${MINI_MIRROR_BUILD_DIR:-/etc/mini-mirror/build}
image=${MINI_MIRROR_ROLLBACK_IMAGE:?MINI_MIRROR_ROLLBACK_IMAGE is not set}
identity=${MINI_MIRROR_BUILD_IDENTITY:-}
insecure=${MINI_MIRROR_INSECURE_REGISTRY:-false}
ca_dir=${MINI_MIRROR_REGISTRY_CA_DIR:-}
dest=$workspace/rollback-from
work=$workspace/.rollback-image

say() { printf 'fetch-rollback: %s\n' "$*"; }
die() {
  printf 'fetch-rollback: FAILED: %s\n' "$*" >&2
  exit 1
}

if [[ -n $identity && -f $workspace/.already-published ]] && [[ $(<"$workspace/.already-published") == "$identity" ]]; then
  say "build ${identity:0:12} is already in the registry: nothing to fetch"
  exit 0
fi

ensure_tools() {
  local missing=() tool
  for tool in skopeo umoci; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if ((${#missing[@]} == 0)); then return 0; fi
  if [[ $(id -u) != 0 ]]; then
    die "missing tools (${missing[*]}) and not running as root to install them: use an image that has skopeo and umoci (ImageBuilder.skopeo({ imageHasTools: true }))"
  fi
  say "installing missing tools: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends --no-upgrade skopeo umoci ca-certificates
}

# Removes what an unpack left, even directories a rootless unpack made read-only.
clear_dir() {
  if [[ -e $1 ]]; then chmod -R u+rwX "$1" 2>/dev/null || true; fi
  rm -rf "$1"
}

flags=()
if [[ $insecure == true ]]; then
  say "WARNING: the registry is reached without TLS verification (image.insecureRegistry)"
  flags+=(--src-tls-verify=false)
fi
if [[ -n $ca_dir ]]; then
  [[ -r $ca_dir/ca.crt ]] || die "$ca_dir/ca.crt cannot be read (image.registryCa: the ConfigMap or Secret and its key)"
  flags+=(--src-cert-dir "$ca_dir")
fi
if [[ -n ${REGISTRY_AUTH_FILE:-} ]]; then
  [[ -r $REGISTRY_AUTH_FILE ]] || die "REGISTRY_AUTH_FILE $REGISTRY_AUTH_FILE cannot be read (the push Secret's .dockerconfigjson)"
  flags+=(--src-authfile "$REGISTRY_AUTH_FILE")
fi

ensure_tools
clear_dir "$work"
clear_dir "$dest"
mkdir -p "$work"
say "fetching $image"
skopeo --policy "$build_dir/skopeo-policy.json" copy --quiet "${flags[@]}" "docker://$image" "oci:$work/oci:old" \
  || die "cannot fetch $image (see above): check buildJob.rollbackTo (a tag the build Job pushed, or a digest), the push Secret, image.registryCa and image.insecureRegistry"
umoci raw unpack --rootless --image "$work/oci:old" "$work/rootfs" || die "cannot unpack $image (see above)"
tree=$work/rootfs/srv/mirror
[[ -f $tree/manifest.json ]] || die "$image holds no mirror build (no /srv/mirror/manifest.json in the image): give buildJob.rollbackTo an image a build Job of this mirror pushed"
mv "$tree" "$dest"
clear_dir "$work"
say "the tree of $image is in $dest ($(du -sk "$dest" | cut -f1) KiB)"
