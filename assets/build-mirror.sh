#!/usr/bin/env bash
# build-mirror.sh: builds, signs and publishes the offline APT mirror.
#
# The interface (mounts, build.json, output tree) is docs/build-contract.md. In short:
#   $MINI_MIRROR_SOURCES_DIR/<prefix>/<name>/{source.txt,packages.txt[,aptly.conf]}
#   $MINI_MIRROR_BUILD_DIR/{build.json,aptly.conf}
#   $MINI_MIRROR_SIGNING_DIR/<privateKeyFile>[,<passphraseFile>]
#   $MINI_MIRROR_WORKSPACE/public   <- the result, present only after full success
#
# Per source (sources run in parallel, `concurrency` at a time, each in its own aptly rootDir):
#   1. fetch key_url, check the fingerprint pin, import it into a per-source keyring
#   2. one aptly mirror per component (-filter = all queries joined with " | ", -filter-with-deps),
#      `mirror update` with retries
#   3. every query must match at least one package
#   4. close dependencies across components (aptly resolves them only inside one component),
#      then the dependency gate
#   5. a snapshot per component, `publish snapshot` of all components under <prefix>, signed
# Then the published trees are merged (identical files may overlap, different ones may not),
# manifest.json and mirror-key.asc are written and the tree is moved to public/ in one rename.
#
# Decisions:
# - Fingerprint pin: the key file at key_url must contain exactly the pinned keys: every pinned
#   fingerprint must be present, and every key in the file must be pinned. A pin may name a
#   primary key or one of its subkeys. Checked before aptly downloads anything.
# - Origin/Label/Suite: the override from build.json, else upstream's value (from the first
#   component's Release). When upstream has none, aptly 1.5 writes "<prefix> <dist>" for Origin
#   and Label and the distribution for Suite; all of these are stable across rebuilds.
# - aptly config: rootDir is always replaced, gpgProvider is forced to "gpg" (signing uses the
#   private GNUPGHOME), architectures come from build.json when given. Signature checks are forced
#   on with -ignore-signatures=false unless the source opted out, so a gpgDisableVerify in a
#   user's aptly.conf cannot silently switch them off.
# - A stale public/ from an earlier attempt in the same workspace is removed at start, so a
#   failure never leaves one behind.
#
# User-supplied strings (URLs, queries, names) only ever live in quoted variables and arrays.
set -euo pipefail
shopt -s nullglob inherit_errexit

SOURCES_DIR=${MINI_MIRROR_SOURCES_DIR:-/etc/mini-mirror/sources}
BUILD_DIR=${MINI_MIRROR_BUILD_DIR:-/etc/mini-mirror/build}
SIGNING_DIR=${MINI_MIRROR_SIGNING_DIR:-/etc/mini-mirror/signing}
WORKSPACE=${MINI_MIRROR_WORKSPACE:-/workspace}
BUILD_JSON=$BUILD_DIR/build.json
DEFAULT_APTLY_CONF=$BUILD_DIR/aptly.conf
PUBLIC=$WORKSPACE/public
STARTED_AT=$(date +%s)

# Maximum rounds of the cross-component dependency closure.
MAX_CLOSURE_ROUNDS=8

# fd 3 is the console: progress lines and warnings go there, also from the per-source workers
# whose stdout/stderr are captured in their log files.
exec 3>&1
IN_WORKER=0
WORK=
SIGN_MODE=key
SIGN_HOME=
SIGN_FPR=
SIGN_PASS_FILE=
declare -A WORKER_IDX=()

# ---------------------------------------------------------------------------------------------
# output helpers

say() {
  printf '%s\n' "$*" >&3
  if ((IN_WORKER)); then printf '%s\n' "$*"; fi
}

warn() {
  say "WARNING: $*"
}

die() {
  printf 'ERROR: %s\n' "$*" >&2
  if ((IN_WORKER)); then printf 'ERROR: %s\n' "$*" >"$SRC_WORK/error"; fi
  exit 1
}

human_bytes() {
  awk -v b="$1" 'BEGIN {
    split("B KiB MiB GiB TiB", u, " "); i = 1
    while (b >= 1024 && i < 5) { b /= 1024; i++ }
    if (i == 1) printf "%d %s", b, u[i]; else printf "%.1f %s", b, u[i]
  }'
}

# step MESSAGE: prints "[n/total] MESSAGE"; the counter is shared by all workers.
step() {
  local n
  n=$(
    {
      flock 9
      n=$(($(<"$WORK/steps") + 1))
      printf '%s' "$n" >"$WORK/steps"
      printf '%s' "$n"
    } 9>>"$WORK/steps.lock"
  )
  say "[$n/$STEP_TOTAL] $*"
}

# Checks a value that is passed to aptly/curl as a positional argument or written to Release.
check_value() { # what value
  local what=$1 value=$2
  if [[ -z $value ]]; then die "$what is empty"; fi
  if [[ $value == -* ]]; then die "$what must not start with '-': $value"; fi
  if [[ $value =~ [[:cntrl:]] ]]; then die "$what contains control characters"; fi
}

# ---------------------------------------------------------------------------------------------
# setup

ensure_tools() {
  local missing=() tool
  for tool in aptly gpg gpgv gpgconf curl jq flock; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if ((${#missing[@]} == 0)); then return 0; fi
  if [[ $(id -u) != 0 ]]; then
    die "missing tools (${missing[*]}) and not running as root to install them"
  fi
  say "installing missing tools: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends --no-upgrade \
    aptly gnupg gpgv ca-certificates curl jq xz-utils bzip2 util-linux
  for tool in "${missing[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is still missing after installing packages"
  done
}

# curl ignores upper-case HTTP_PROXY (and apt only reads the lower-case names); aptly reads both.
# Mirror the upper-case proxy settings to lower case when only those are set.
export_proxy_env() {
  if [[ -n ${HTTP_PROXY:-} && -z ${http_proxy:-} ]]; then export http_proxy=$HTTP_PROXY; fi
  if [[ -n ${HTTPS_PROXY:-} && -z ${https_proxy:-} ]]; then export https_proxy=$HTTPS_PROXY; fi
  if [[ -n ${NO_PROXY:-} && -z ${no_proxy:-} ]]; then export no_proxy=$NO_PROXY; fi
}

kill_workers() {
  local pid
  for pid in "${!WORKER_IDX[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  for pid in "${!WORKER_IDX[@]}"; do
    wait "$pid" 2>/dev/null || true
    unset "WORKER_IDX[$pid]"
  done
}

cleanup() {
  local rc=$? home
  set +e
  if ((IN_WORKER)); then
    return "$rc"
  fi
  kill_workers
  if [[ -n $WORK && -d $WORK ]]; then
    for home in "$WORK"/gnupg-* "$WORK"/s*/gnupg; do
      GNUPGHOME=$home gpgconf --kill all >/dev/null 2>&1
    done
    rm -rf "$WORK"
  fi
  if ((rc != 0)); then
    rm -rf "$PUBLIC"
    printf 'BUILD FAILED (exit %s): nothing was written to %s\n' "$rc" "$PUBLIC" >&2
  fi
  return "$rc"
}

# ---------------------------------------------------------------------------------------------
# signing

setup_signing() {
  SIGN_MODE=$(jq -r '.signing.mode // "key"' "$BUILD_JSON")
  case $SIGN_MODE in
    unsigned)
      say "WARNING: ************************************************************"
      say "WARNING: the mirror is published UNSIGNED (ReleaseSigning.insecureUnsigned)."
      say "WARNING: clients cannot authenticate it; never use it in production."
      say "WARNING: ************************************************************"
      step "signing: none (unsigned mirror)"
      return 0
      ;;
    key) ;;
    *) die "build.json: unknown signing mode \"$SIGN_MODE\"" ;;
  esac

  local key_name pass_name
  key_name=$(jq -r '.signing.privateKeyFile // "signing-key.asc"' "$BUILD_JSON")
  pass_name=$(jq -r '.signing.passphraseFile // empty' "$BUILD_JSON")
  SIGN_FPR=$(jq -r '.signing.fingerprint // empty' "$BUILD_JSON" | tr -d ' ' | tr '[:lower:]' '[:upper:]')
  SIGN_KEY_FILE=$SIGNING_DIR/$key_name
  SIGN_PASS_FILE=
  if [[ -n $pass_name ]]; then SIGN_PASS_FILE=$SIGNING_DIR/$pass_name; fi

  [[ -r $SIGN_KEY_FILE ]] || die "signing key file $SIGN_KEY_FILE is missing or unreadable"
  if [[ -n $SIGN_PASS_FILE && ! -r $SIGN_PASS_FILE ]]; then
    die "passphrase file $SIGN_PASS_FILE is missing or unreadable"
  fi

  SIGN_HOME=$WORK/gnupg-signing
  mkdir -m 700 "$SIGN_HOME"
  if ! GNUPGHOME=$SIGN_HOME gpg --batch --quiet --import "$SIGN_KEY_FILE" >"$WORK/sign-import.log" 2>&1; then
    cat "$WORK/sign-import.log" >&2
    die "cannot import the signing key from $SIGN_KEY_FILE"
  fi
  local secret_fprs
  secret_fprs=$(GNUPGHOME=$SIGN_HOME gpg --batch --with-colons --list-secret-keys 2>/dev/null |
    awk -F: '$1 == "sec" { p = 1; next } $1 == "fpr" && p { print $10; p = 0 }')
  if [[ -z $secret_fprs ]]; then die "no secret key found in $SIGN_KEY_FILE"; fi
  if [[ -z $SIGN_FPR ]]; then
    if (($(wc -l <<<"$secret_fprs") != 1)); then
      die "build.json has no signing.fingerprint and $SIGN_KEY_FILE holds several keys"
    fi
    SIGN_FPR=$secret_fprs
  elif ! grep -qxF "$SIGN_FPR" <<<"$secret_fprs"; then
    die "the signing key in $SIGN_KEY_FILE is not $SIGN_FPR (it holds: $(tr '\n' ' ' <<<"$secret_fprs"))"
  fi

  # Sign something now so a wrong passphrase fails before any download.
  local pass_args=(--passphrase '')
  if [[ -n $SIGN_PASS_FILE ]]; then pass_args=(--passphrase-file "$SIGN_PASS_FILE"); fi
  if ! printf 'mini-mirror signing check\n' |
    GNUPGHOME=$SIGN_HOME gpg --batch --no-tty --pinentry-mode loopback "${pass_args[@]}" \
      --local-user "$SIGN_FPR" --detach-sign --yes --output "$WORK/sign-check.sig" >"$WORK/sign-check.log" 2>&1; then
    cat "$WORK/sign-check.log" >&2
    if grep -qi 'bad passphrase' "$WORK/sign-check.log"; then
      die "cannot sign with the release signing key $SIGN_FPR: wrong passphrase"
    fi
    # An expired key or subkey that can sign (capability field 12 has "s"); other subkeys do not matter.
    if GNUPGHOME=$SIGN_HOME gpg --batch --with-colons --list-keys "$SIGN_FPR" 2>/dev/null |
      awk -F: '($1 == "pub" || $1 == "sub") && $2 == "e" && $12 ~ /s/ { found = 1 } END { exit !found }'; then
      die "cannot sign with the release signing key $SIGN_FPR: it has expired in the Secret; extend it (gpg --quick-set-expire), then update the Secret and the public key"
    fi
    die "cannot sign with the release signing key $SIGN_FPR (passphrase missing or wrong?)"
  fi
  step "signing: release key $SIGN_FPR ready"
}

# ---------------------------------------------------------------------------------------------
# per-source worker

# aptly_run ARGS...: runs aptly for the current source; output goes to the log, and on failure
# APTLY_ERROR holds aptly's error lines.
aptly_run() {
  local rc=0
  GNUPGHOME=$SRC_GNUPG aptly -config="$SRC_CONF" "$@" >"$SRC_WORK/aptly.out" 2>&1 || rc=$?
  cat "$SRC_WORK/aptly.out"
  APTLY_ERROR=
  if ((rc != 0)); then
    APTLY_ERROR=$(grep -E '^ERROR|hash mismatch|gpgv:.*(BAD|Can.t check|No public key)' "$SRC_WORK/aptly.out" |
      tail -n 5 | tr '\n' ' ' || true)
  fi
  return "$rc"
}

# Lists the primary keys of an OpenPGP key file, one line each: "PRIMARY_FPR SUBKEY_FPR...".
list_key_fingerprints() { # keyfile
  GNUPGHOME=$SRC_GNUPG gpg --batch --with-colons --import-options show-only --import "$1" 2>/dev/null |
    awk -F: '
      $1 == "pub" { if (line != "") print line; line = ""; want = "pub"; next }
      $1 == "sub" { want = "sub"; next }
      $1 == "fpr" && want == "pub" { line = $10; want = ""; next }
      $1 == "fpr" && want == "sub" { line = line " " $10; want = ""; next }
      END { if (line != "") print line }'
}

fetch_upstream_key() {
  local key_file=$SRC_WORK/upstream-key
  if [[ $KEY_URL != https://* && ${#PINS[@]} -eq 0 ]]; then
    warn "$SRC: key_url $KEY_URL is not https and no fingerprint is pinned"
  fi
  local redirects='=https,http'
  if [[ $KEY_URL == https://* ]]; then redirects='=https'; fi
  if ! curl --fail --silent --show-error --location --proto '=https,http' --proto-redir "$redirects" \
    --retry "$RETRIES" --retry-connrefused --retry-delay 1 --connect-timeout 30 --max-time 300 \
    --output "$key_file" "$KEY_URL"; then
    die "$SRC: cannot fetch the upstream key from $KEY_URL"
  fi

  local keys primary all_fprs=() actual=() fpr pin found unpinned=()
  keys=$(list_key_fingerprints "$key_file")
  if [[ -z $keys ]]; then die "$SRC: $KEY_URL holds no OpenPGP public key"; fi
  while read -r -a all_fprs; do
    primary=${all_fprs[0]}
    actual+=("$primary")
    if ((${#PINS[@]})); then
      found=0
      for fpr in "${all_fprs[@]}"; do
        for pin in "${PINS[@]}"; do
          if [[ $fpr == "$pin" ]]; then found=1; fi
        done
      done
      if ((!found)); then unpinned+=("$primary"); fi
    fi
  done <<<"$keys"

  if ((${#PINS[@]})); then
    local missing=() all
    all=" $(tr '\n' ' ' <<<"$keys")"
    for pin in "${PINS[@]}"; do
      if [[ $all != *" $pin "* ]]; then missing+=("$pin"); fi
    done
    if ((${#missing[@]} || ${#unpinned[@]})); then
      die "$SRC: upstream key fingerprints do not match the pin: expected ${PINS[*]}; $KEY_URL provides ${actual[*]}${missing[*]:+ (pinned but absent: ${missing[*]})}${unpinned[*]:+ (present but not pinned: ${unpinned[*]})}"
    fi
  fi

  : >"$SRC_KEYRING"
  if ! GNUPGHOME=$SRC_GNUPG gpg --batch --quiet --no-default-keyring --keyring "$SRC_KEYRING" \
    --import "$key_file"; then
    die "$SRC: cannot import the upstream key from $KEY_URL"
  fi
  if ((${#PINS[@]})); then
    step "$SRC: upstream key ${actual[*]} (pinned)"
  else
    step "$SRC: upstream key ${actual[*]} (not pinned)"
  fi
}

# Counts packages and bytes in mirror $1 into STAT_N and STAT_B.
mirror_stats() {
  local out
  if out=$(GNUPGHOME=$SRC_GNUPG aptly -config="$SRC_CONF" mirror search -format='{{.Size}}' "$1" 2>&1); then
    STAT_N=$(grep -c . <<<"$out")
    STAT_B=$(awk '{ b += $1 } END { printf "%d", b }' <<<"$out")
  elif [[ $out == *"no results"* ]]; then
    STAT_N=0
    STAT_B=0
  else
    die "$SRC: cannot list the packages of mirror $1: $out"
  fi
}

update_mirror() { # mirror component
  local mirror=$1 comp=$2 attempt=1 delay=2
  until aptly_run mirror update "${SIG_ARGS[@]}" -max-tries="$RETRIES" "$mirror"; do
    if ((attempt >= RETRIES)); then
      if [[ $APTLY_ERROR == *gpgv* || $APTLY_ERROR == *signature* ]]; then
        die "$SRC $comp: upstream Release signature verification failed (is it signed by the key from $KEY_URL?): $APTLY_ERROR"
      fi
      die "$SRC $comp: mirror update failed after $attempt attempts: $APTLY_ERROR"
    fi
    warn "$SRC $comp: mirror update failed (attempt $attempt/$RETRIES), retrying in ${delay}s: $APTLY_ERROR"
    sleep "$delay"
    delay=$((delay * 2))
    attempt=$((attempt + 1))
  done
}

# Sets TOTAL_N to the number of packages in all the source's mirrors.
total_packages() {
  local j
  TOTAL_N=0
  for j in "${!COMPS[@]}"; do
    mirror_stats "m$j"
    TOTAL_N=$((TOTAL_N + STAT_N))
  done
}

# Writes the missing dependencies of all components taken together to $SRC_WORK/missing, one per
# line ("dep [arch]").
missing_dependencies() {
  local j snaps=()
  for j in "${!COMPS[@]}"; do
    aptly_run snapshot drop -force "v$j" >/dev/null 2>&1 || true
    aptly_run snapshot create "v$j" from mirror "m$j" >/dev/null || die "$SRC: snapshot failed: $APTLY_ERROR"
    snaps+=("v$j")
  done
  aptly_run snapshot drop -force vall >/dev/null 2>&1 || true
  aptly_run snapshot merge -no-remove vall "${snaps[@]}" >/dev/null || die "$SRC: snapshot merge failed: $APTLY_ERROR"
  aptly_run snapshot verify -architectures="$VERIFY_ARCHS" vall >"$SRC_WORK/verify.out" ||
    die "$SRC: snapshot verify failed: $APTLY_ERROR"
  aptly_run snapshot drop -force vall >/dev/null
  for j in "${!COMPS[@]}"; do aptly_run snapshot drop -force "v$j" >/dev/null; done
  awk '/^Missing dependencies/ { on = 1; next } on && /^  / { sub(/^  +/, ""); print }' \
    "$SRC_WORK/verify.out" >"$SRC_WORK/missing"
}

# -filter-with-deps resolves dependencies inside one mirror (component) only. Missing
# dependencies are added to the filter of every other component whose filter does not contain
# them yet, and those mirrors are updated again, until nothing is missing, nothing new can be
# tried, or a round adds no package.
close_dependencies() {
  local round=0 before after j expr added_total=0 changed
  local -a missing exprs
  while :; do
    missing_dependencies
    mapfile -t missing <"$SRC_WORK/missing"
    if ((${#missing[@]} == 0)); then break; fi
    round=$((round + 1))
    if ((round > MAX_CLOSURE_ROUNDS)); then break; fi
    # "name (>= 1.0) [amd64]" -> "name (>= 1.0)"; drop arch qualifiers (name:any) aptly's
    # filter grammar does not accept.
    mapfile -t exprs < <(printf '%s\n' "${missing[@]}" |
      sed -E 's/ \[[^]]*\]$//; s/^([^ :(]+):[A-Za-z0-9-]+/\1/' | sort -u)
    total_packages
    before=$TOTAL_N
    changed=0
    for j in "${!COMPS[@]}"; do
      local new=()
      for expr in "${exprs[@]}"; do
        if ! grep -qxF -- "$expr" "$SRC_WORK/extra.$j" 2>/dev/null; then new+=("$expr"); fi
      done
      if ((${#new[@]} == 0)); then continue; fi
      printf '%s\n' "${new[@]}" >>"$SRC_WORK/extra.$j"
      local filter=$FILTER
      while IFS= read -r expr; do filter+=" | $expr"; done <"$SRC_WORK/extra.$j"
      aptly_run mirror edit "${SIG_ARGS[@]}" -filter="$filter" -filter-with-deps "m$j" ||
        die "$SRC ${COMPS[$j]}: mirror edit failed: $APTLY_ERROR"
      update_mirror "m$j" "${COMPS[$j]}"
      changed=1
    done
    if ((!changed)); then break; fi
    total_packages
    after=$TOTAL_N
    added_total=$((added_total + after - before))
    if ((after == before)); then break; fi
  done

  if ((${#missing[@]})); then
    local list
    list=$(printf '    %s\n' "${missing[@]}")
    if [[ $GATE == true ]]; then
      printf 'unresolved dependencies in %s (not found in any component of %s %s):\n%s\n' \
        "$SRC" "$URL" "$DIST" "$list" >&2
      die "$SRC: ${#missing[@]} unresolved dependencies: $(printf '%s\n' "${missing[@]}" | paste -sd, - | sed 's/,/, /g')"
    fi
    warn "$SRC: ${#missing[@]} unresolved dependencies (allowMissingDependencies is set):"
    say "$list"
    step "$SRC: dependencies: ${#missing[@]} missing (gate off), $added_total packages added across components"
  else
    step "$SRC: dependencies closed, $added_total packages added across components"
  fi
}

check_queries() {
  local q j out matched unmatched=()
  for q in "${QUERIES[@]}"; do
    matched=0
    for j in "${!COMPS[@]}"; do
      if out=$(GNUPGHOME=$SRC_GNUPG aptly -config="$SRC_CONF" mirror search -format='{{.Package}}' "m$j" "$q" 2>&1); then
        if [[ -n $out ]]; then matched=1; break; fi
      elif [[ $out != *"no results"* ]]; then
        die "$SRC: query \"$q\" in $SRC/packages.txt cannot be evaluated: $out"
      fi
    done
    if ((!matched)); then unmatched+=("$q"); fi
  done
  if ((${#unmatched[@]})); then
    for q in "${unmatched[@]}"; do
      printf 'ERROR: query "%s" in %s/packages.txt matched no package\n' "$q" "$SRC" >&2
    done
    die "query \"${unmatched[0]}\" in $SRC/packages.txt matched no package${unmatched[1]:+ (${#unmatched[@]} queries matched none)}"
  fi
}

publish_source() {
  local meta origin label suite j snaps=() comps_csv
  meta=$(GNUPGHOME=$SRC_GNUPG aptly -config="$SRC_CONF" mirror show -json m0)
  origin=$(jq -r '.origin // empty' "$SRC_JSON")
  label=$(jq -r '.label // empty' "$SRC_JSON")
  suite=$(jq -r '.suite // empty' "$SRC_JSON")
  if [[ -z $origin ]]; then origin=$(jq -r '.Meta.Origin // empty' <<<"$meta"); fi
  if [[ -z $label ]]; then label=$(jq -r '.Meta.Label // empty' <<<"$meta"); fi
  if [[ -z $suite ]]; then suite=$(jq -r '.Meta.Suite // empty' <<<"$meta"); fi
  local v
  for v in "$origin" "$label" "$suite"; do
    if [[ $v =~ [[:cntrl:]] ]]; then die "$SRC: origin/label/suite must be one line: $v"; fi
  done

  for j in "${!COMPS[@]}"; do
    aptly_run snapshot create "s$j" from mirror "m$j" >/dev/null || die "$SRC: snapshot failed: $APTLY_ERROR"
    snaps+=("s$j")
  done
  comps_csv=$(IFS=,; printf '%s' "${COMPS[*]}")

  local args=(-distribution="$DIST" -component="$comps_csv" -origin="$origin" -label="$label"
    -suite="$suite" -acquire-by-hash -batch)
  local home=$SRC_GNUPG
  if [[ $SIGN_MODE == unsigned ]]; then
    args+=(-skip-signing)
  else
    args+=(-skip-signing=false -gpg-key="$SIGN_FPR")
    if [[ -n $SIGN_PASS_FILE ]]; then args+=(-passphrase-file="$SIGN_PASS_FILE"); fi
    home=$SIGN_HOME
  fi
  local rc=0
  GNUPGHOME=$home aptly -config="$SRC_CONF" publish snapshot "${args[@]}" "${snaps[@]}" "$PREFIX" \
    >"$SRC_WORK/aptly.out" 2>&1 || rc=$?
  cat "$SRC_WORK/aptly.out"
  if ((rc != 0)); then
    die "$SRC: publish failed: $(grep -E '^ERROR|gpg:' "$SRC_WORK/aptly.out" | tail -n 3 | tr '\n' ' ')"
  fi

  local total_n=0 total_b=0
  for j in "${!COMPS[@]}"; do
    mirror_stats "m$j"
    total_n=$((total_n + STAT_N))
    total_b=$((total_b + STAT_B))
  done
  step "$SRC: published $PREFIX/dists/$DIST ($comps_csv): $total_n packages, $(human_bytes "$total_b")"
}

build_source() { # index
  IN_WORKER=1
  local idx=$1
  SRC_WORK=$WORK/s$idx
  SRC_JSON=$SRC_WORK/source.json
  SRC_GNUPG=$SRC_WORK/gnupg
  SRC_CONF=$SRC_WORK/aptly.conf
  SRC_KEYRING=$SRC_GNUPG/upstream-keyring.gpg
  PREFIX=$(jq -r '.prefix' "$SRC_JSON")
  NAME=$(jq -r '.name' "$SRC_JSON")
  SRC=$PREFIX/$NAME
  local dir=$SOURCES_DIR/$PREFIX/$NAME

  local words=()
  [[ -r $dir/source.txt ]] || die "$SRC: $dir/source.txt is missing"
  [[ -r $dir/packages.txt ]] || die "$SRC: $dir/packages.txt is missing"
  read -r -a words <"$dir/source.txt" || true
  if ((${#words[@]} < 4)); then
    die "$SRC: source.txt must be \"url key_url dist component [component...]\", got: ${words[*]}"
  fi
  URL=${words[0]}
  KEY_URL=${words[1]}
  DIST=${words[2]}
  COMPS=("${words[@]:3}")
  check_value "$SRC: url" "$URL"
  check_value "$SRC: key_url" "$KEY_URL"
  check_value "$SRC: dist" "$DIST"
  local c
  for c in "${COMPS[@]}"; do check_value "$SRC: component" "$c"; done

  QUERIES=()
  local line
  while IFS= read -r line || [[ -n $line ]]; do
    line=${line%$'\r'}
    line=${line#"${line%%[![:space:]]*}"}
    line=${line%"${line##*[![:space:]]}"}
    if [[ -z $line || $line == \#* ]]; then continue; fi
    QUERIES+=("$line")
  done <"$dir/packages.txt"
  if ((${#QUERIES[@]} == 0)); then die "$SRC: packages.txt holds no package query"; fi
  FILTER=${QUERIES[0]}
  local q
  for q in "${QUERIES[@]:1}"; do FILTER+=" | $q"; done

  local verify
  verify=$(jq -r 'if .verify == false then "false" else "true" end' "$SRC_JSON")
  GATE=$(jq -r 'if .dependencyGate == false then "false" else "true" end' "$SRC_JSON")
  mapfile -t PINS < <(jq -r '(.fingerprints // [])[]' "$SRC_JSON" | tr -d ' ' | tr '[:lower:]' '[:upper:]')

  # aptly config: the source's own or the default; rootDir always ours.
  local base=$DEFAULT_APTLY_CONF
  if [[ -f $dir/aptly.conf ]]; then base=$dir/aptly.conf; fi
  local base_json='{}'
  if [[ -f $base ]]; then
    base_json=$(jq -c 'if type == "object" then . else error("not a JSON object") end' "$base") ||
      die "$SRC: $base is not a valid aptly config (JSON object)"
  fi
  jq --arg root "$SRC_WORK/root" --argjson archs "$(jq -c '.architectures // []' "$SRC_JSON")" \
    --argjson verify "$verify" '
      .rootDir = $root
      | .gpgProvider = "gpg"
      | (if ($archs | length) > 0 then .architectures = $archs else . end)
      | (if $verify then .gpgDisableVerify = false else . end)' <<<"$base_json" >"$SRC_CONF"

  if [[ $verify == true ]]; then
    fetch_upstream_key
    SIG_ARGS=(-ignore-signatures=false -keyring="$SRC_KEYRING")
  else
    warn "**********************************************************************"
    warn "$SRC: upstream signature verification is DISABLED (verify: false)."
    warn "$SRC: packages from $URL are mirrored without any authenticity check."
    warn "**********************************************************************"
    SIG_ARGS=(-ignore-signatures)
    step "$SRC: upstream key not checked (verify: false)"
  fi

  local j
  for j in "${!COMPS[@]}"; do
    aptly_run mirror create "${SIG_ARGS[@]}" -max-tries="$RETRIES" -filter="$FILTER" -filter-with-deps \
      "m$j" "$URL" "$DIST" "${COMPS[$j]}" || {
      if [[ $APTLY_ERROR == *gpgv* || $APTLY_ERROR == *signature* ]]; then
        die "$SRC ${COMPS[$j]}: upstream Release signature verification failed (is it signed by the key from $KEY_URL?): $APTLY_ERROR"
      fi
      die "$SRC ${COMPS[$j]}: mirror create failed: $APTLY_ERROR"
    }
    update_mirror "m$j" "${COMPS[$j]}"
    mirror_stats "m$j"
    step "$SRC ${COMPS[$j]}: $STAT_N packages, $(human_bytes "$STAT_B")"
  done

  check_queries

  VERIFY_ARCHS=$(jq -r '(.architectures // []) | join(",")' "$SRC_CONF")
  if [[ -z $VERIFY_ARCHS ]]; then
    VERIFY_ARCHS=$(for j in "${!COMPS[@]}"; do
      GNUPGHOME=$SRC_GNUPG aptly -config="$SRC_CONF" mirror show -json "m$j" | jq -r '.Architectures[]'
    done | sort -u | paste -sd, -)
  fi
  close_dependencies
  publish_source
}

# ---------------------------------------------------------------------------------------------
# merge and manifest

# aptly writes the by-hash name links as absolute symlinks into its rootDir; make them relative
# so they survive the move (into public/ and into the serving image).
relativize_symlinks() { # dir
  local link target
  while IFS= read -r -d '' link; do
    target=$(readlink "$link")
    if [[ $target == /* ]]; then
      ln -sfn "$(realpath -m --relative-to="${link%/*}" "$target")" "$link"
    fi
  done < <(find "$1" -type l -print0)
}

merge_tree() { # src_public label
  local src=$1 label=$2 rel new=() old=()
  relativize_symlinks "$src"
  while IFS= read -r -d '' rel; do
    if [[ -e $STAGE/$rel || -L $STAGE/$rel ]]; then old+=("$rel"); else new+=("$rel"); fi
  done < <(cd "$src" && find . ! -type d -printf '%P\0')

  if ((${#old[@]})); then
    local a b i
    mapfile -t a < <(cd "$src" && printf '%s\0' "${old[@]}" | xargs -0 sha256sum -- | cut -d' ' -f1)
    mapfile -t b < <(cd "$STAGE" && printf '%s\0' "${old[@]}" | xargs -0 sha256sum -- | cut -d' ' -f1)
    for i in "${!old[@]}"; do
      if [[ ${a[$i]} != "${b[$i]}" ]]; then
        die "conflicting file ${old[$i]} from $(owner_of "${old[$i]}") and $label"
      fi
    done
  fi
  if ((${#new[@]})); then
    if ! (cd "$src" && printf '%s\0' "${new[@]}" | xargs -0 cp -a -l --parents -t "$STAGE" -- 2>/dev/null); then
      (cd "$src" && printf '%s\0' "${new[@]}" | xargs -0 cp -a --parents -t "$STAGE" --)
    fi
  fi
}

owner_of() { # relative path: the first source (in build order) whose tree has it
  local i
  for i in "${!SOURCE_LABELS[@]}"; do
    if [[ -e $WORK/s$i/root/public/$1 || -L $WORK/s$i/root/public/$1 ]]; then
      printf '%s' "${SOURCE_LABELS[$i]}"
      return 0
    fi
  done
  printf 'an earlier source'
}

write_manifest() {
  local i prefix dist comp comps packages_file
  : >"$WORK/manifest.tsv"
  for i in "${!SOURCE_LABELS[@]}"; do
    prefix=$(jq -r '.prefix' "$WORK/s$i/source.json")
    dist=$(jq -r '.dist' "$WORK/s$i/meta.json")
    mapfile -t comps < <(jq -r '.components[]' "$WORK/s$i/meta.json")
    for comp in "${comps[@]}"; do
      for packages_file in "$STAGE/$prefix/dists/$dist/$comp"/binary-*/Packages; do
        awk -v prefix="$prefix" -v dist="$dist" -v comp="$comp" '
          BEGIN { RS = ""; FS = "\n"; OFS = "\t" }
          {
            delete f
            for (k = 1; k <= NF; k++) {
              if ($k ~ /^[A-Za-z0-9-]+:/) {
                key = substr($k, 1, index($k, ":") - 1)
                val = substr($k, index($k, ":") + 1); sub(/^[ \t]+/, "", val); sub(/[ \t]+$/, "", val)
                f[key] = val
              }
            }
            if (f["Package"] != "")
              print prefix, dist, comp, f["Package"], f["Version"], f["Architecture"], f["Size"], f["SHA256"], f["Filename"]
          }' "$packages_file" >>"$WORK/manifest.tsv"
      done
    done
  done
  jq -Rn --arg contentHash "$(jq -r '.contentHash // empty' "$BUILD_JSON")" \
    --arg builtAt "$(date -u +%Y-%m-%dT%H:%M:%SZ)" '
    [inputs | select(length > 0) | split("\t")
      | { prefix: .[0], distribution: .[1], component: .[2], name: .[3], version: .[4],
          architecture: .[5], size: (.[6] | tonumber), sha256: .[7], filename: .[8] }]
    | unique_by([.prefix, .distribution, .component, .name, .version, .architecture])
    | { contentHash: (if $contentHash == "" then null else $contentHash end), builtAt: $builtAt,
        packages: . }' <"$WORK/manifest.tsv" >"$STAGE/manifest.json"
}

# ---------------------------------------------------------------------------------------------
# main

# Waits for one worker to end; records it in FAILED if it failed.
reap_worker() {
  local pid rc=0 idx
  wait -n -p pid || rc=$?
  idx=${WORKER_IDX[$pid]:-}
  if [[ -z $idx ]]; then return 0; fi # not a worker (cannot happen: no other background job)
  unset "WORKER_IDX[$pid]"
  if ((rc != 0)); then FAILED+=("$idx"); fi
}

main() {
  trap cleanup EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT
  export_proxy_env
  ensure_tools

  [[ -r $BUILD_JSON ]] || die "$BUILD_JSON is missing"
  jq -e '.version == 1' "$BUILD_JSON" >/dev/null || die "$BUILD_JSON: unsupported version (expected 1)"
  mkdir -p "$WORKSPACE"
  # A public/ from an earlier attempt in this workspace: drop it, so failure leaves none.
  rm -rf "$PUBLIC" "$WORKSPACE"/.mini-mirror.*
  WORK=$(mktemp -d "$WORKSPACE/.mini-mirror.XXXXXX")
  STAGE=$WORK/public
  mkdir "$STAGE" "$WORK/tmp"
  # aptly and gpg write temporary files: keep them in the workspace (the root FS may be read-only).
  export TMPDIR=$WORK/tmp
  echo 0 >"$WORK/steps"

  CONCURRENCY=$(jq -r '.concurrency // 1 | floor | if . < 1 then 1 else . end' "$BUILD_JSON")
  RETRIES=$(jq -r '.retries // 3 | floor | if . < 1 then 1 else . end' "$BUILD_JSON")
  local count
  count=$(jq -r '.sources | length' "$BUILD_JSON")
  if ((count == 0)); then die "$BUILD_JSON lists no source"; fi

  SOURCE_LABELS=()
  STEP_TOTAL=3 # signing, merge, manifest
  local i
  for ((i = 0; i < count; i++)); do
    mkdir -p "$WORK/s$i"
    mkdir -m 700 "$WORK/s$i/gnupg"
    jq ".sources[$i]" "$BUILD_JSON" >"$WORK/s$i/source.json"
    local prefix name dir words=()
    prefix=$(jq -r '.prefix' "$WORK/s$i/source.json")
    name=$(jq -r '.name' "$WORK/s$i/source.json")
    check_value "build.json: source prefix" "$prefix"
    check_value "build.json: source name" "$name"
    if [[ $prefix == */* || $prefix == . || $prefix == .. || $name == */* || $name == . || $name == .. ]]; then
      die "build.json: invalid source $prefix/$name"
    fi
    dir=$SOURCES_DIR/$prefix/$name
    [[ -r $dir/source.txt ]] || die "$prefix/$name: $dir/source.txt is missing"
    read -r -a words <"$dir/source.txt" || true
    if ((${#words[@]} < 4)); then die "$prefix/$name: source.txt must be \"url key_url dist component...\""; fi
    jq -n --arg dist "${words[2]}" '{ dist: $dist, components: $ARGS.positional }' \
      --args "${words[@]:3}" >"$WORK/s$i/meta.json"
    SOURCE_LABELS+=("$prefix/$name")
    STEP_TOTAL=$((STEP_TOTAL + ${#words[@]} - 3 + 3)) # key, components, dependencies, publish
  done

  say "mini-mirror: building ${count} source(s), ${CONCURRENCY} at a time, ${RETRIES} tries per download"
  setup_signing

  local idx line
  # Sources in parallel: each worker is its own process group (set -m) so a failure can stop
  # the others, and logs to its own file. Once a source fails no new one is started.
  FAILED=()
  for ((i = 0; i < count; i++)); do
    while ((${#WORKER_IDX[@]} >= CONCURRENCY)); do reap_worker; done
    if ((${#FAILED[@]})); then break; fi
    set -m
    build_source "$i" >"$WORK/s$i/log" 2>&1 &
    set +m
    WORKER_IDX[$!]=$i
  done
  while ((${#WORKER_IDX[@]} > 0)); do
    if ((${#FAILED[@]})); then
      for idx in "${WORKER_IDX[@]}"; do say "stopping ${SOURCE_LABELS[$idx]}: another source failed"; done
      kill_workers
      break
    fi
    reap_worker
  done

  if ((${#FAILED[@]})); then
    for idx in "${FAILED[@]}"; do
      printf '\n===== log of %s (failed) =====\n' "${SOURCE_LABELS[$idx]}" >&2
      while IFS= read -r line || [[ -n $line ]]; do
        printf '%s | %s\n' "${SOURCE_LABELS[$idx]}" "$line" >&2
      done <"$WORK/s$idx/log"
    done
    printf '\n' >&2
    for idx in "${FAILED[@]}"; do
      printf 'source %s failed: %s\n' "${SOURCE_LABELS[$idx]}" \
        "$(sed 's/^ERROR: //' "$WORK/s$idx/error" 2>/dev/null || echo 'see its log above')" >&2
    done
    exit 1
  fi

  for i in "${!SOURCE_LABELS[@]}"; do
    merge_tree "$WORK/s$i/root/public" "${SOURCE_LABELS[$i]}"
  done
  if [[ -n $(find "$STAGE" -xtype l -print -quit) ]]; then
    die "the merged tree has dangling symlinks: $(find "$STAGE" -xtype l | head -n 5 | tr '\n' ' ')"
  fi
  step "merged ${count} source tree(s)"

  if [[ $SIGN_MODE != unsigned ]]; then
    GNUPGHOME=$SIGN_HOME gpg --batch --armor --export "$SIGN_FPR" >"$STAGE/mirror-key.asc"
    [[ -s $STAGE/mirror-key.asc ]] || die "cannot export the mirror's public key"
  fi
  write_manifest
  local packages bytes
  packages=$(jq '.packages | length' "$STAGE/manifest.json")
  bytes=$(jq '[.packages | unique_by([.prefix, .filename])[] | .size] | add // 0' "$STAGE/manifest.json")
  step "manifest: $packages packages"

  say "done: ${count} source(s), $packages packages, $(human_bytes "$bytes") ($bytes bytes) in $(($(date +%s) - STARTED_AT))s"
  mv -T "$STAGE" "$PUBLIC"
  say "published to $PUBLIC"
}

main "$@"
