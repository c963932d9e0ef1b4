#!/usr/bin/env bash
# bake-image-oci.sh: the build Job's image step with skopeo and umoci (Debian packages), rootless.
#
# A tag is written once. Before anything else, and again right before tagging, it asks the
# registry what the target tag holds:
#   - nothing: copies the base image into an OCI layout, adds the published tree at /srv/mirror
#     (tar and umoci raw add-layer: no root, nothing executed from the base): the pool files in up
#     to 64 layers by a hash of their path, the rest in a top layer (see "Pool layers"), labels
#     the image config with the build identity, pushes it by digest (blobs and manifest, no tag),
#     then puts the tag on it;
#   - this build (its label holds this build identity): succeeds without pushing, so a re-created
#     Job (e.g. by a GitOps tool after the Job's TTL) changes nothing;
#   - another build, or an image without the label: fails, and pushes nothing.
# A registry has no compare-and-set for tags, so "check, then push" can race with another build,
# or be fooled by a registry that answers "not found" for a tag it holds. So after tagging it reads
# the tag back, twice, MINI_MIRROR_TAG_SETTLE_SECONDS apart, and fails naming both digests when
# the tag holds anything but what this step pushed: of two builds racing for one tag, the one
# overwritten fails. Only tag immutability in the registry itself prevents the overwrite.
#
# The layers and the image config are reproducible: sorted entries, owner 0, fixed modes, and every
# timestamp (the top layer's mtimes, the config's created, the history entries; the pool layers
# have one constant mtime, so that they match across builds) set to one epoch taken
# from the tree itself (the newest Date of its published Releases) or MINI_MIRROR_SOURCE_DATE_EPOCH,
# never the clock: the same tree on the same base gives the same digest, so two steps racing with
# the same tree agree.
#
# With MINI_MIRROR_OCI_LAYOUT=<dir> (`mini-mirror build` on a host) it asks no registry and writes
# the image into that OCI layout directory, under the target's tag, instead of pushing it.
#
# With MINI_MIRROR_CHECK_ONLY=true (the Job's `check` init container, before the mirror step) it
# only asks: when the tag already holds this build it writes $workspace/.already-published, and
# the mirror step then builds nothing; when it holds another build it fails before hours of
# mirroring; when there is no such tag it lets the build go on.
#
# The last line of a successful run is `image: <repository>@sha256:...`, the digest to deploy.
#
# Inputs (env): MINI_MIRROR_IMAGE (repository:tag to push), MINI_MIRROR_BASE_IMAGE,
# MINI_MIRROR_BUILD_IDENTITY, MINI_MIRROR_INSECURE_REGISTRY (true: plain HTTP or unverified TLS
# to the registries), MINI_MIRROR_REGISTRY_CA_DIR (directory with ca.crt, the registry's CA bundle,
# trusted in addition to the system CAs; optional), REGISTRY_AUTH_FILE (docker config.json with
# credentials; optional), MINI_MIRROR_WORKSPACE_LIMIT_MIB (the workspace emptyDir's sizeLimit, for
# the free-space check; optional), MINI_MIRROR_SOURCE_DATE_EPOCH (seconds; the timestamps of the
# image; optional), MINI_MIRROR_TAG_SETTLE_SECONDS (how long after tagging the tag is read again;
# default 10), MINI_MIRROR_WORKSPACE (default /workspace), MINI_MIRROR_BUILD_DIR (default
# /etc/mini-mirror/build).
set -euo pipefail

workspace=${MINI_MIRROR_WORKSPACE:-/workspace}
build_dir=${MINI_MIRROR_BUILD_DIR:-/etc/mini-mirror/build}
tree=$workspace/public
target=${MINI_MIRROR_IMAGE:?MINI_MIRROR_IMAGE is not set}
base=${MINI_MIRROR_BASE_IMAGE:?MINI_MIRROR_BASE_IMAGE is not set}
identity=${MINI_MIRROR_BUILD_IDENTITY:?MINI_MIRROR_BUILD_IDENTITY is not set}
insecure=${MINI_MIRROR_INSECURE_REGISTRY:-false}
check_only=${MINI_MIRROR_CHECK_ONLY:-false}
layout=${MINI_MIRROR_OCI_LAYOUT:-}
ca_dir=${MINI_MIRROR_REGISTRY_CA_DIR:-}
limit_mib=${MINI_MIRROR_WORKSPACE_LIMIT_MIB:-}
settle=${MINI_MIRROR_TAG_SETTLE_SECONDS:-10}
# The image config label that records which build a tag holds.
LABEL=mini-mirror.build-identity

say() { printf 'bake-image: %s\n' "$*"; }
die() {
  printf 'bake-image: FAILED: %s\n' "$*" >&2
  exit 1
}

[[ $identity =~ ^[0-9a-f]{16,64}$ ]] || die "MINI_MIRROR_BUILD_IDENTITY '$identity' is not a hex hash"
[[ ${target##*/} == *:* ]] || die "MINI_MIRROR_IMAGE '$target' has no tag: give repository:tag"
[[ $settle =~ ^[0-9]{1,4}$ ]] || die "MINI_MIRROR_TAG_SETTLE_SECONDS '$settle' is not a whole number of seconds"
repository=${target%:*}
tag=${target##*:}

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
  for tool in "${missing[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is still missing after installing packages"
  done
}

skopeo_global=(--policy "$build_dir/skopeo-policy.json")
inspect_flags=()
copy_flags=()
if [[ $insecure == true ]]; then
  say "WARNING: the registry is reached without TLS verification (image.insecureRegistry)"
  inspect_flags+=(--tls-verify=false)
  copy_flags+=(--src-tls-verify=false --dest-tls-verify=false)
fi
if [[ -n $ca_dir ]]; then
  [[ -r $ca_dir/ca.crt ]] || die "$ca_dir/ca.crt cannot be read (image.registryCa: the ConfigMap or Secret and its key)"
  # skopeo adds the *.crt of a --cert-dir to the system CAs, for the base image and the target.
  inspect_flags+=(--cert-dir "$ca_dir")
  copy_flags+=(--src-cert-dir "$ca_dir" --dest-cert-dir "$ca_dir")
fi
if [[ -n ${REGISTRY_AUTH_FILE:-} ]]; then
  [[ -r $REGISTRY_AUTH_FILE ]] || die "REGISTRY_AUTH_FILE $REGISTRY_AUTH_FILE cannot be read (the push Secret's .dockerconfigjson)"
  inspect_flags+=(--authfile "$REGISTRY_AUTH_FILE")
  copy_flags+=(--authfile "$REGISTRY_AUTH_FILE")
fi

# inspect_tag: prints "<digest> <build identity label>" of what the tag holds, or nothing when the
# registry says there is no such tag; dies when the registry cannot be asked.
inspect_tag() {
  local out err rc=0
  err=$(mktemp "${TMPDIR:-/tmp}/inspect.XXXXXX")
  out=$(skopeo "${skopeo_global[@]}" inspect "${inspect_flags[@]}" --format "{{.Digest}} {{ index .Labels \"$LABEL\" }}" "docker://$target" 2>"$err") || rc=$?
  if ((rc != 0)); then
    if grep -qiE 'manifest unknown|name unknown|not found' "$err"; then
      rm -f "$err"
      return 0
    fi
    cat "$err" >&2
    rm -f "$err"
    die "cannot tell what $target holds (see above): check the registry, the push Secret, image.registryCa and image.insecureRegistry"
  fi
  rm -f "$err"
  printf '%s\n' "$out"
}

# tag_listed: whether the repository's tag list (a second, independent answer) names the tag.
tag_listed() {
  local tags
  tags=$(skopeo "${skopeo_global[@]}" list-tags "${inspect_flags[@]}" "docker://$repository" 2>/dev/null) || return 1
  grep -qF "\"$tag\"" <<<"$tags"
}

# check_tag [DIGEST]: exits 0 when the tag holds this build, fails when it holds another (naming
# DIGEST, this step's image, when known), returns when the tag does not exist.
check_tag() {
  local own=${1:-} held digest label
  held=$(inspect_tag)
  if [[ -z $held ]]; then
    # A registry (or a proxy in front of it) that hides a tag would have it overwritten.
    if tag_listed; then
      die "the registry lists the tag $target but answers 'not found' for its manifest: it does not tell the truth about its tags, so nothing is pushed; check the registry and any proxy in front of it"
    fi
    if [[ -n $own ]]; then say "$target still does not exist: tagging $own"; else say "$target does not exist yet"; fi
    return 0
  fi
  digest=${held%% *}
  label=${held#* }
  if [[ $label == "$identity" ]]; then
    if [[ $check_only == true ]]; then
      printf '%s\n' "$identity" >"$workspace/.already-published"
      say "$target already holds build ${identity:0:12}: nothing to build or push (a tag is written once)"
    else
      say "$target already holds build ${identity:0:12}: nothing to push (a tag is written once)"
    fi
    printf 'image: %s@%s\n' "$repository" "$digest"
    exit 0
  fi
  if [[ -z $label || $label == '<no value>' ]]; then
    die "$target already exists and holds $digest, an image without a build identity: a tag is written once, so it is not overwritten. Give another image.tag, or leave image.tag out to tag with the build identity"
  fi
  die "$target already holds build ${label:0:12} ($digest), not this build ${identity:0:12}${own:+ ($own)}: a tag is written once, so it is not overwritten. Leave image.tag out (the tag then follows the build identity) or give a new one; to rebuild the same inputs, bump refreshEpoch"
}

# verify_tag DIGEST WHEN: reads the tag back; fails unless it holds DIGEST, the image this step pushed.
verify_tag() {
  local want=$1 when=$2 held digest label
  held=$(inspect_tag)
  if [[ -z $held ]]; then
    die "$target answers 'not found' $when this step pushed $want to it: the registry (or a proxy in front of it) does not tell the truth about its tags, so it cannot keep them write-once either; check the registry and any proxy in front of it"
  fi
  digest=${held%% *}
  label=${held#* }
  if [[ $digest != "$want" ]]; then
    [[ $label == '<no value>' ]] && label=''
    die "the tag $target now holds $digest${label:+ (build ${label:0:12})}, not the $want this step pushed (read back $when): another build pushed to the same tag, or the registry allows overwriting tags; turn on tag immutability in the registry (Harbor, ECR, Artifactory and Quay have it) and deploy by digest (image.digest, --image-digest)"
  fi
}

# source_epoch: the image's timestamps, from the inputs, never the clock: MINI_MIRROR_SOURCE_DATE_EPOCH,
# else the newest Date of the published Releases (a function of the tree).
source_epoch() {
  if [[ -n ${MINI_MIRROR_SOURCE_DATE_EPOCH:-} ]]; then
    [[ $MINI_MIRROR_SOURCE_DATE_EPOCH =~ ^[0-9]{1,12}$ ]] || die "MINI_MIRROR_SOURCE_DATE_EPOCH '$MINI_MIRROR_SOURCE_DATE_EPOCH' is not a whole number of seconds"
    printf '%s\n' "$MINI_MIRROR_SOURCE_DATE_EPOCH"
    return 0
  fi
  local newest=0 file date seconds
  while IFS= read -r -d '' file; do
    date=$(sed -n 's/^Date: //p' "$file" | head -n 1)
    [[ -n $date ]] || continue
    seconds=$(date -u -d "$date" +%s) || die "cannot read the Date of $file: '$date'"
    if ((seconds > newest)); then newest=$seconds; fi
  done < <(find "$tree" -path '*/dists/*' -name Release -type f -print0)
  ((newest > 0)) || die "no published Release with a Date under $tree: the image's timestamps are taken from it (or from MINI_MIRROR_SOURCE_DATE_EPOCH)"
  printf '%s\n' "$newest"
}

ensure_tools
rm -f "$workspace/.already-published"
if [[ -z $layout ]]; then check_tag; fi
if [[ $check_only == true ]]; then exit 0; fi

[[ -f $tree/manifest.json ]] || die "$tree/manifest.json is missing: the mirror step did not publish a tree"
grep -q "\"buildIdentity\": \"$identity\"" "$tree/manifest.json" \
  || die "$tree/manifest.json is not build ${identity:0:12} (the mirror step and the image step disagree)"

# check_room KIB: fails, before anything is written, when the workspace cannot take KIB more. df
# sees the filesystem (a PersistentVolumeClaim's, or the node's under an emptyDir); an emptyDir's
# sizeLimit is enforced by the kubelet by evicting the pod, and df does not see it: that limit
# (MINI_MIRROR_WORKSPACE_LIMIT_MIB) minus what the workspace holds counts too.
check_room() {
  local need_kib=$1 avail_kib used_kib
  avail_kib=$(df -Pk "$workspace" | awk 'NR == 2 { print $4 }')
  if [[ -n $limit_mib ]]; then
    used_kib=$(du -sk "$workspace" | cut -f1)
    if ((limit_mib * 1024 - used_kib < avail_kib)); then avail_kib=$((limit_mib * 1024 - used_kib)); fi
    if ((avail_kib < 0)); then avail_kib=0; fi
  fi
  if ((avail_kib < need_kib)); then
    die "the workspace has $((avail_kib / 1024)) MiB free, but the image layer needs about $((need_kib / 1024)) MiB (the tree's size and 64 MiB): raise buildJob.mirrorSizeEstimate (--mirror-size-estimate; the workspace is 2 x the estimate + 1Gi), or give buildJob.workspaceVolumeClaim (--workspace-claim) a larger claim"
  fi
}

# Pool layers. Copying build B into a registry that holds build A moves only B's new layers, so
# the pool files (most of B's bytes, mostly A's files: a build keeps the previous build's pool for
# one generation) are spread over a fixed number of buckets by a hash of their path, one layer per
# bucket: a file added or removed changes its own bucket's layer and no other. (Cutting the sorted
# files into runs at content-defined boundaries changes about twice the bytes: a change lands in a
# long run more often than in a short one, and a boundary file added or removed touches two runs.)
# A layer is made only of its bucket's paths and bytes: one constant mtime (POOL_MTIME, not the
# build's epoch), owner 0, fixed modes, no hard links, sorted, the same tar format and umoci's
# gzip; an empty bucket is no layer. A pool file is a regular file under a pool/ directory whose
# path has only the characters of Debian file names; anything else goes to the top layer.
POOL_MTIME=946684800 # 2000-01-01T00:00:00Z
# About 100 layers in all is what overlay mounts and containerd take, the base's layers included.
MAX_LAYERS=100
pool_match=(\( -path './pool/*' -o -path './*/pool/*' \) ! -path '*/dists/*' -regextype posix-extended -regex '\./[A-Za-z0-9._+~:%@=/-]+')

# pool_buckets LIST BUCKETS OUTDIR: LIST has the pool files' paths sorted; writes OUTDIR/<n> (1 to
# BUCKETS, only those with files), each a tar file list of its files and their parent directories,
# parents first. The hash is a polynomial modulo a prime, in awk (mawk and gawk agree).
pool_buckets() {
  LC_ALL=C awk -v buckets="$2" -v out="$3" '
    BEGIN { for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i; P = 4294967291 }
    function pathhash(s,   i, n, x) {
      x = 0; n = length(s)
      for (i = 1; i <= n; i++) x = (x * 257 + ord[substr(s, i, 1)]) % P
      x = (x * 48271) % P; return (x * 48271 + n) % P
    }
    {
      b = pathhash($0) % buckets + 1; file = out "/" b
      n = split($0, part, "/"); dir = "."
      if (!((b, ".") in seen)) { print "." > file; seen[b, "."] = 1 }
      for (i = 2; i < n; i++) { dir = dir "/" part[i]; if (!((b, dir) in seen)) { print dir > file; seen[b, dir] = 1 } }
      print $0 > file
    }' "$1"
}

# add_pool_layers: adds the pool layers to $oci:base. The number of buckets steps with the file
# count (1, 4, 16, 64 from 128 files on) so that it stays put from one build to the next, and is
# smaller when the base has so many layers that 64 more would pass MAX_LAYERS.
add_pool_layers() {
  local list=$work/pool.list dir=$work/buckets files buckets=1 base_layers i count=0
  (cd "$tree" && find . -type f "${pool_match[@]}" -print) | LC_ALL=C sort >"$list"
  files=$(wc -l <"$list")
  ((files > 0)) || return 0
  base_layers=$(skopeo "${skopeo_global[@]}" inspect --format '{{len .Layers}}' "oci:$oci:base")
  while ((buckets < 64 && files >= buckets * 8)); do buckets=$((buckets * 4)); done
  while ((buckets > 1 && base_layers + buckets + 1 > MAX_LAYERS)); do buckets=$((buckets / 4)); done
  mkdir "$dir"
  pool_buckets "$list" "$buckets" "$dir"
  for ((i = 1; i <= buckets; i++)); do [[ -f $dir/$i ]] && count=$((count + 1)); done
  say "adding $files pool files at /srv/mirror as $count layers ($buckets buckets by path)"
  for ((i = 1; i <= buckets; i++)); do
    [[ -f $dir/$i ]] || continue
    tar -C "$tree" --verbatim-files-from --no-recursion -T "$dir/$i" --transform 's,^\.,srv/mirror,' \
      --format=gnu --hard-dereference --owner=0 --group=0 --numeric-owner --mode=u=rwX,go=rX --mtime="@$POOL_MTIME" -cf - \
      | umoci raw add-layer --history.created "$created" --history.created_by "mini-mirror: pool files, bucket $i of $buckets" --image "$oci:base" /dev/stdin
  done
}

epoch=$(source_epoch)
oci=$workspace/oci
rm -rf "$oci"
# The file lists of the layers (small: paths only).
work=$(mktemp -d "${TMPDIR:-/tmp}/bake-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
tree_kib=$(du -sk "$tree" | cut -f1)
# The compressed layer of a tree of packages (already compressed) is about the tree's size.
check_room $((tree_kib + 65536))
say "copying $base"
# A registry image, or any skopeo source given with its transport (an oci: layout carried in).
case $base in
  docker://* | oci:* | oci-archive:* | docker-archive:* | dir:*) base_ref=$base ;;
  *) base_ref=docker://$base ;;
esac
skopeo "${skopeo_global[@]}" copy "${copy_flags[@]}" --quiet "$base_ref" "oci:$oci:base"
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
# Pool layers first, then the rest of the tree (indexes, manifest.json) as the small top layer.
add_pool_layers
say "adding the rest of the tree at /srv/mirror (timestamps $created)"
# One layer with everything outside the pool layers at srv/mirror, streamed into umoci (no tarball
# on the workspace: it holds the tree and the compressed layers, not a third copy). Reproducible:
# sorted entries, owner 0, readable by nginx's user whatever the umask was, one mtime; the history
# entry and the config's created carry the same time.
# (umoci insert would chmod the tree's parent directories, which a non-root step does not own.)
top_list=$work/top.list
(cd "$tree" && find . \( -type f "${pool_match[@]}" \) -prune -o -print0) | LC_ALL=C sort -z >"$top_list"
tar -C "$tree" --null --verbatim-files-from --no-recursion -T "$top_list" --transform 's,^\.,srv/mirror,' \
  --owner=0 --group=0 --numeric-owner --mode=a+rX,go-w --mtime="@$epoch" -cf - \
  | umoci raw add-layer --history.created "$created" --history.created_by 'mini-mirror: the published tree at /srv/mirror' --image "$oci:base" /dev/stdin
umoci config --image "$oci:base" --tag mirror --config.label "$LABEL=$identity" --created "$created" --no-history
digest=$(skopeo "${skopeo_global[@]}" inspect --format '{{.Digest}}' "oci:$oci:mirror")
[[ $digest =~ ^sha256:[0-9a-f]{64}$ ]] || die "cannot read the digest of the image just made ('$digest')"

if [[ -n $layout ]]; then
  umoci tag --image "$oci:mirror" "$tag"
  umoci rm --image "$oci:mirror"
  umoci rm --image "$oci:base"
  rm -rf "$layout"
  mv "$oci" "$layout"
  say "wrote $target (build ${identity:0:12}) as oci:$layout:$tag"
  printf 'image: %s@%s\n' "$repository" "$digest"
  exit 0
fi

# The layers and the manifest first, by digest: no tag changes, and the slow part is done before
# the last check, so the window between that check and the tag is a few small requests.
say "pushing $repository@$digest"
skopeo "${skopeo_global[@]}" copy "${copy_flags[@]}" --quiet --preserve-digests "oci:$oci:mirror" "docker://$repository@$digest"
# Another Job may have pushed while this one built: ask again right before tagging.
check_tag "$digest"
digestfile=$(mktemp "${TMPDIR:-/tmp}/digest.XXXXXX")
skopeo "${skopeo_global[@]}" copy "${copy_flags[@]}" --quiet --preserve-digests --digestfile "$digestfile" "oci:$oci:mirror" "docker://$target"
pushed=$(<"$digestfile")
rm -f "$digestfile"
rm -rf "$oci"
[[ $pushed == "$digest" ]] || die "skopeo pushed $pushed to $target, not $digest, the image this step made"
# Read back: a build that raced this one past the check, or a registry that let the tag be
# overwritten, shows here. The second read catches a racer whose tag landed just after ours.
verify_tag "$digest" 'right after'
sleep "$settle"
verify_tag "$digest" "${settle}s after"
say "pushed $target (build ${identity:0:12})"
printf 'image: %s@%s\n' "$repository" "$digest"
