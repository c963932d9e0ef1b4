#!/usr/bin/env bash
# Installs the Debian tools the end-to-end tests run for real: aptly, gnupg, nginx, apt-get's
# helpers, bubblewrap (the pod runner), shellcheck, curl/xz/bzip2 (the build), dose-distcheck
# (the build's resolver check), dpkg-dev and apt-utils (fake upstreams: dpkg-deb, apt-ftparchive),
# debian-archive-keyring (the real-archive test), wrk (bench:serve), and skopeo, umoci and
# docker-registry (the image step against a real registry on 127.0.0.1). Idempotent; needs root or sudo.
set -euo pipefail

packages=(aptly gnupg nginx bubblewrap shellcheck jq curl ca-certificates dpkg-dev apt-utils xz-utils bzip2
  dose-distcheck debian-archive-keyring wrk skopeo umoci docker-registry)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-test-tools: all present"
  exit 0
fi

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
# nginx's and docker-registry's packages start servers where an init system runs; the tests start their own.
"${sudo[@]}" sh -c 'command -v service >/dev/null && service nginx stop >/dev/null 2>&1 || true'
"${sudo[@]}" sh -c 'command -v service >/dev/null && service docker-registry stop >/dev/null 2>&1 || true'
echo "install-test-tools: installed ${missing[*]}"
