#!/usr/bin/env bash
# smoke-test.sh: checks a served mini-mirror the way APT clients use it.
#
#   1. waits until the Service serves the expected build (manifest.json's buildIdentity), because
#      the Job starts when the manifests are applied, long before the new image is built;
#   then for each dependency world (the sources a client of one release uses together, e.g.
#   bookworm with bookworm-updates and bookworm-security), with a fresh apt state each:
#   2. `apt-get update` with exactly that world's client `.sources` files of the client ConfigMap,
#      with signature checking on and no other key or source than those files (throwaway apt
#      directories; the image's /etc/apt is never read);
#   3. `apt-get install --simulate` of the world's requested packages, with an empty dpkg status
#      and the client ConfigMap's apt.conf.d fragments: the mirror alone must satisfy every
#      dependency, as it must for an air-gapped client; when those clients install Recommends
#      (apt's default, unless a fragment says APT::Install-Recommends "false"), a Recommends that
#      apt lists as not installable from the mirror fails the test too.
#
# Runs as any non-root user with a read-only root filesystem: everything it writes is below
# $TMPDIR. Inputs (paths overridable by env, for tests):
#   $MINI_MIRROR_CLIENT_DIR/*.sources     the client ConfigMap (deb822, Signed-By or Trusted)
#   $MINI_MIRROR_CLIENT_DIR/*.conf        its apt.conf.d fragments, used for every world
#   $MINI_MIRROR_SMOKE_DIR/worlds.txt     one line per world: `world architecture file.sources...`
#                                         (architecture `-`: this machine's)
#   $MINI_MIRROR_SMOKE_DIR/packages.txt   one line per package: `world name` (data, never code)
#   $MINI_MIRROR_SMOKE_DIR/service-url    base URL of the Service, e.g. http://m-server.ns.svc.cluster.local
#   $MINI_MIRROR_SMOKE_DIR/client-url     base URL the .sources files use (an Ingress host, or the Service)
#   $MINI_MIRROR_SMOKE_DIR/build-identity the build expected in manifest.json (empty: do not wait);
#                                         a manifest without buildIdentity (older builds) is
#                                         compared by its contentHash
#   MINI_MIRROR_SMOKE_WAIT_SECONDS        how long to wait for the expected build (default 600)
#   MINI_MIRROR_SMOKE_POLL_SECONDS        pause between polls and retries (default 15)
#   MINI_MIRROR_SMOKE_ATTEMPTS            apt-get update attempts per world (default 5)
set -euo pipefail

CLIENT_DIR=${MINI_MIRROR_CLIENT_DIR:-/etc/mini-mirror/client}
SMOKE_DIR=${MINI_MIRROR_SMOKE_DIR:-/etc/mini-mirror/smoke}
WAIT_SECONDS=${MINI_MIRROR_SMOKE_WAIT_SECONDS:-600}
POLL_SECONDS=${MINI_MIRROR_SMOKE_POLL_SECONDS:-15}
ATTEMPTS=${MINI_MIRROR_SMOKE_ATTEMPTS:-5}
# Consecutive polls that must see the expected build: during a rollout the Service balances
# between old and new pods, and apt fails on a mix of old and new index files.
STABLE_POLLS=3

say() { printf 'smoke-test: %s\n' "$*"; }
# "1 world", "2 worlds": counts read as English.
plural() { if (($1 == 1)); then echo "$1 $2"; else echo "$1 ${3:-$2s}"; fi; }
die() {
  printf 'smoke-test: FAILED: %s\n' "$*" >&2
  exit 1
}
read_setting() {
  local file=$SMOKE_DIR/$1
  [[ -f $file ]] || die "missing $file"
  local value
  value=$(<"$file")
  printf '%s' "${value//[$'\r\n']/}"
}

for n in "$WAIT_SECONDS" "$POLL_SECONDS" "$ATTEMPTS"; do
  [[ $n =~ ^[0-9]+$ ]] || die "wait, poll and attempt settings must be whole numbers, got '$n'"
done

service_url=$(read_setting service-url)
client_url=$(read_setting client-url)
expected_hash=$(read_setting build-identity)
[[ $service_url =~ ^https?://[^[:space:]]+$ ]] || die "service-url '$service_url' is not an http(s) URL"

# Worlds, their architecture and their client files: data, checked before use.
worlds=()
declare -A world_arch world_files world_packages
[[ -f $SMOKE_DIR/worlds.txt ]] || die "missing $SMOKE_DIR/worlds.txt"
while read -r world arch files || [[ -n ${world:-} ]]; do
  [[ -z ${world:-} ]] && continue
  [[ $world =~ ^[a-z0-9][a-z0-9.+-]*$ ]] || die "'$world' in worlds.txt is not a world name"
  [[ -z ${world_arch[$world]+set} ]] || die "world '$world' is listed twice in worlds.txt"
  [[ $arch == - || $arch =~ ^[a-z0-9-]+$ ]] || die "architecture '$arch' of world $world is not a dpkg architecture"
  read -ra list <<<"${files:-}"
  ((${#list[@]} > 0)) || die "world $world lists no .sources file in worlds.txt"
  for file in "${list[@]}"; do
    [[ $file =~ ^[A-Za-z0-9._-]+\.sources$ ]] || die "'$file' in worlds.txt is not a .sources file name"
    [[ -f $CLIENT_DIR/$file ]] || die "world $world names $file, which is not in $CLIENT_DIR"
  done
  worlds+=("$world")
  world_arch[$world]=$arch
  world_files[$world]=${list[*]}
  world_packages[$world]=
done <"$SMOKE_DIR/worlds.txt"
((${#worlds[@]} > 0)) || die "no worlds in $SMOKE_DIR/worlds.txt"

# Package names are data: checked against Debian's package name syntax, so none can be taken
# for an option, and passed to apt-get as separate arguments.
while IFS= read -r line || [[ -n $line ]]; do
  line=${line%%#*}
  read -r world name extra <<<"$line" || true
  [[ -z ${world:-} ]] && continue
  [[ -n ${world_arch[$world]+set} ]] || die "'$world' in packages.txt is not a world of worlds.txt"
  [[ -z ${extra:-} && ${name:-} =~ ^[a-z0-9][a-z0-9+.-]+$ ]] || die "'${name:-}${extra:+ $extra}' in packages.txt is not a Debian package name"
  world_packages[$world]+=" $name"
done <"$SMOKE_DIR/packages.txt"

work=$(mktemp -d "${TMPDIR:-/tmp}/mini-mirror-smoke.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- throwaway apt directories: only the given .sources files and the keys they name count
# new_apt_state DIR ARCH: a fresh apt state below DIR, and APT_CONFIG pointing at it.
new_apt_state() {
  local dir=$1 arch=$2
  mkdir -p "$dir"/etc/{apt.conf.d,preferences.d,sources.list.d,trusted.gpg.d} \
    "$dir"/state/lists/partial "$dir"/cache/archives/partial "$dir"/log
  : >"$dir/status"
  # APT_CONFIG is read before anything else, so Dir::Etc below keeps apt away from the image's
  # /etc/apt (its apt.conf.d, sources and trusted keys) entirely.
  {
    printf 'Dir::Etc "%s/etc/";\n' "$dir"
    printf 'Dir::State "%s/state/";\n' "$dir"
    printf 'Dir::State::status "%s/status";\n' "$dir"
    printf 'Dir::Cache "%s/cache/";\n' "$dir"
    printf 'Dir::Log "%s/log/";\n' "$dir"
    printf 'Debug::NoLocking "true";\n'
    printf 'Acquire::Languages "none";\n'
    printf 'Acquire::Retries "2";\n'
    printf 'APT::Get::List-Cleanup "false";\n'
    if [[ $arch != - ]]; then
      printf 'APT::Architecture "%s";\n' "$arch"
      printf 'APT::Architectures { "%s"; };\n' "$arch"
    fi
    # apt drops privileges to _apt only when it runs as root; a test run as root keeps its user so
    # the throwaway directories stay accessible.
    if [[ $(id -u) == 0 ]]; then printf 'APT::Sandbox::User "root";\n'; fi
  } >"$dir/apt.conf"
  export APT_CONFIG=$dir/apt.conf
}

# served_identity FILE: the build identity a manifest.json records (its contentHash for builds
# made before build identities existed).
served_identity() {
  local key value
  for key in buildIdentity contentHash; do
    value=$(grep -o "\"$key\"[[:space:]]*:[[:space:]]*\"[0-9a-f]*\"" "$1" | head -n 1 | grep -o '[0-9a-f]\{16,\}' || true)
    if [[ -n $value ]]; then
      printf '%s' "$value"
      return 0
    fi
  done
}

# --- 1. wait for the expected build
new_apt_state "$work/wait" -
if [[ -n $expected_hash ]]; then
  [[ $expected_hash =~ ^[0-9a-f]{16,64}$ ]] || die "build-identity '$expected_hash' is not a hex hash"
  deadline=$((SECONDS + WAIT_SECONDS))
  seen=0
  say "waiting up to ${WAIT_SECONDS}s for build ${expected_hash:0:12} at $service_url"
  while :; do
    served=
    rm -f "$work/manifest.json"
    if /usr/lib/apt/apt-helper download-file "$service_url/manifest.json" "$work/manifest.json" >"$work/fetch.log" 2>&1; then
      served=$(served_identity "$work/manifest.json")
    fi
    if [[ $served == "$expected_hash" ]]; then
      seen=$((seen + 1))
      ((seen >= STABLE_POLLS)) && break
    else
      seen=0
      shown=${served:0:12}
      say "served build: ${shown:-none}, waiting for ${expected_hash:0:12}"
    fi
    ((SECONDS < deadline)) || die "build ${expected_hash:0:12} was not served within ${WAIT_SECONDS}s (last: ${served:-no manifest.json})"
    # Matching polls follow each other quickly; they only need to span a few load-balancing picks.
    sleep "$((seen > 0 && POLL_SECONDS > 2 ? 2 : POLL_SECONDS))"
  done
  say "build ${expected_hash:0:12} is served"
fi

# The Recommends no upstream of a world has, as the build found them (absent in older builds).
/usr/lib/apt/apt-helper download-file "$service_url/recommends-unavailable.txt" "$work/recommends-unavailable.txt" >/dev/null 2>&1 \
  || : >"$work/recommends-unavailable.txt"

# --- 2. apt-get update with signature checking (any failed index or signature is an error)
update_ok() {
  local log=$1 rc=0
  apt-get -q update --error-on=any >"$log" 2>&1 || rc=$?
  cat "$log"
  # Warnings count too: a failed fetch or a signature problem of one source is only a W: line.
  ((rc == 0)) && ! grep -q '^[WE]:' "$log"
}

index=0
for world in "${worlds[@]}"; do
  index=$((index + 1))
  state=$work/world-$index
  new_apt_state "$state" "${world_arch[$world]}"
  read -ra files <<<"${world_files[$world]}"
  for file in "${files[@]}"; do
    # The client files may point at an Ingress host; the test goes through the Service.
    while IFS= read -r line || [[ -n $line ]]; do
      if [[ $client_url != "$service_url" && $line == "URIs: $client_url"* ]]; then
        line="URIs: $service_url${line#"URIs: $client_url"}"
      fi
      printf '%s\n' "$line"
    done <"$CLIENT_DIR/$file" >"$state/etc/sources.list.d/$file"
    say "world $world: using $file"
  done

  attempt=1
  until update_ok "$state/update.log"; do
    ((attempt < ATTEMPTS)) || die "world $world: apt-get update failed $ATTEMPTS times (see above)"
    attempt=$((attempt + 1))
    say "world $world: apt-get update failed, retrying in ${POLL_SECONDS}s (attempt $attempt of $ATTEMPTS)"
    sleep "$POLL_SECONDS"
  done
  say "world $world: apt-get update: OK"
  # The client's apt.conf.d fragments (e.g. no Recommends): the test installs as the clients do.
  for conf in "$CLIENT_DIR"/*.conf; do
    [[ -f $conf ]] || continue
    [[ ${conf##*/} =~ ^[A-Za-z0-9_.-]+\.conf$ ]] || die "'${conf##*/}' is not an apt.conf.d file name"
    cp "$conf" "$state/etc/apt.conf.d/"
  done
  recommends=$(apt-config shell value APT::Install-Recommends/b)

  # --- 3. every requested package of the world installs (simulated) from the mirror alone
  read -ra packages <<<"${world_packages[$world]}"
  if ((${#packages[@]} == 0)); then
    say "world $world: no package names to install"
  else
    if [[ $recommends == "value='true'" ]]; then how='with Recommends, as its clients install them'; else how='without Recommends, as its clients are configured'; fi
    say "world $world: simulating the installation of $(plural "${#packages[@]}" package): ${packages[*]} ($how)"
    apt-get -q install --simulate "${packages[@]}" >"$state/install.log" 2>&1 \
      || { cat "$state/install.log"; die "world $world: apt-get install --simulate failed"; }
    grep '^Inst ' "$state/install.log" || true
    # apt lists under "Recommended packages:" the Recommends it does not install: with Recommends
    # on, those are what the mirror cannot give its clients.
    # Recommends that no upstream of the world has (the build lists them in
    # recommends-unavailable.txt) are missed by clients of the upstreams too: not the mirror's fault.
    missed=''
    read -ra recommended <<<"$(sed -n '/^Recommended packages:/,/^[^ ]/{/^ /p}' "$state/install.log" | tr '\n' ' ')"
    for name in "${recommended[@]}"; do
      name=${name%%:*}
      [[ $name == '|' ]] && continue
      if grep -qxF "$world $name" "$work/recommends-unavailable.txt" 2>/dev/null; then
        say "world $world: Recommends $name is in no upstream of the world (the build reported it): not counted"
      else
        missed+=" $name"
      fi
    done
    if [[ $recommends == "value='true'" && -n $missed ]]; then
      cat "$state/install.log"
      die "world $world: its clients install Recommends (apt's default), but the mirror cannot give them:${missed% }; add the upstream that has them to this world (with recommends: true, the default, the build takes Recommends from any upstream of the world), or set recommends: false so clients do not want them"
    fi
  fi
done
say "OK: the mirror serves signed indices and every requested package installs ($(plural "${#worlds[@]}" world))"
