#!/usr/bin/env bash
# build-guard.sh: the watchdog of `mini-mirror build` on a host (src/cli/build-guard.ts starts it).
#
# It runs under `flock -xn LOCK` in a session of its own, so it holds the --out directory's lock
# for the whole build and survives the CLI being killed, even with its whole process group
# (SIGKILL, a closed terminal). It waits for end-of-file on stdin: the CLI closes it when it is
# done, and the kernel closes it when the CLI dies. Then it stops what the build still runs, kills
# the gpg daemons of the build's GNUPGHOMEs (before their directories go: an agent outliving its
# home would go on signing without the passphrase), and removes the key, the passphrase, the
# scratch directories and every result the CLI did not declare finished. Leaving ends the lock.
#
# Usage: flock -xn LOCK build-guard.sh LOCK CLI_PID SECRET_DIR OUT
# stdin, one line each from the CLI: "step PGID" (a step runs in process group PGID), "idle"
# (no step runs), "keep public" / "keep oci" (that result stands).
set -uo pipefail

lock=$1 cli_pid=$2 secret_dir=$3 out=$4

# The terminal's signals are the CLI's to handle; the guard only ends at end-of-file.
trap '' INT HUP TERM

printf '%s\n' "$cli_pid" >"$lock"
printf 'ready\n'

step='' keep_public=false keep_oci=false
while IFS= read -r line; do
  case $line in
    'step '*) step=${line#step } ;;
    idle) step='' ;;
    'keep public') keep_public=true ;;
    'keep oci') keep_oci=true ;;
  esac
done

# A step still running: its CLI is gone, so nothing may finish or publish. It runs in a process
# group of its own (not the CLI's), so a kill of the CLI's group did not reach it.
if [[ $step =~ ^[0-9]+$ ]]; then
  kill -KILL -- "-$step" 2>/dev/null
  for _ in $(seq 50); do
    kill -0 -- "-$step" 2>/dev/null || break
    sleep 0.1
  done
fi

# kill_gpg_daemons DIR: the gpg daemons of every GNUPGHOME below DIR: gpgconf first (it asks them
# to go), then any process still started with a --homedir below DIR (gpg-agent detaches into a
# session of its own, so no process-group kill reaches it).
kill_gpg_daemons() {
  local dir=$1 home pid arg
  [[ -d $dir ]] || return 0
  while IFS= read -r -d '' home; do
    GNUPGHOME=$home gpgconf --kill all >/dev/null 2>&1
  done < <(find "$dir" -xdev \( -name private-keys-v1.d -o -name pubring.kbx -o -name 'S.gpg-agent' \) -printf '%h\0' 2>/dev/null | sort -zu)
  for pid in /proc/[0-9]*; do
    local args=() next=false
    mapfile -d '' -t args 2>/dev/null <"$pid/cmdline" || continue
    for arg in "${args[@]}"; do
      if $next && [[ $arg == "$dir"/* ]]; then
        kill -KILL "${pid#/proc/}" 2>/dev/null
        break
      fi
      next=false
      [[ $arg == --homedir ]] && next=true
      [[ $arg == --homedir="$dir"/* ]] && kill -KILL "${pid#/proc/}" 2>/dev/null && break
    done
  done
}

kill_gpg_daemons "$secret_dir"
# The runner's work directories hold the upstream keyrings' GNUPGHOMEs.
for work in "$out"/.mini-mirror.[!.]*; do
  kill_gpg_daemons "$work"
done
rm -rf -- "$secret_dir" "$out/.mounts" "$out/.image-step" "$out"/.mini-mirror.[!.]*
$keep_public || rm -rf -- "$out/public"
$keep_oci || rm -rf -- "$out/oci"
if [[ -e $secret_dir ]]; then
  printf 'mini-mirror: could not remove %s (it holds the signing key): remove it now\n' "$secret_dir" >&2
  exit 1
fi
exit 0
