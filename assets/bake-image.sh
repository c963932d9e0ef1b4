#!/bin/sh
# Image step of the build Job (crane): appends the published tree as one layer onto the
# serving base image and pushes it. Runs as a non-root user; executes nothing from the base.
# Inputs (env): MINI_MIRROR_IMAGE (repository:tag to push), MINI_MIRROR_BASE_IMAGE,
# DOCKER_CONFIG (directory holding config.json with push credentials; optional).
set -eu

workspace="${MINI_MIRROR_WORKSPACE:-/workspace}"
tree="$workspace/public"
target="${MINI_MIRROR_IMAGE:?MINI_MIRROR_IMAGE is not set}"
base="${MINI_MIRROR_BASE_IMAGE:?MINI_MIRROR_BASE_IMAGE is not set}"

if [ ! -f "$tree/manifest.json" ]; then
  echo "bake-image: $tree/manifest.json is missing: the mirror step did not publish a tree" >&2
  exit 1
fi

# The layer holds the tree at /srv/mirror; -h follows the symlink so the tree itself is stored.
layer_root="$workspace/layer-root"
rm -rf "$layer_root" "$workspace/layer.tar"
mkdir -p "$layer_root/srv"
ln -s "$tree" "$layer_root/srv/mirror"
tar -C "$layer_root" -chf "$workspace/layer.tar" srv

echo "bake-image: appending $(du -sk "$tree" | cut -f1) KiB onto $base"
crane append --base "$base" --new_layer "$workspace/layer.tar" --new_tag "$target"
echo "bake-image: pushed $target"
