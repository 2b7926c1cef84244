#!/usr/bin/env bash
# Runs every test of the solution (the README's test command). First makes sure this machine has what the tests
# need (.ci/apt-packages: Debian's chromium, redis-server, fonts): as root on Debian/Ubuntu it installs them with
# apt-get; elsewhere it names the install command and stops. Extra arguments go to `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET 10 SDK is not installed (see global.json): https://dot.net/download" >&2
  exit 1
fi

missing=()
while read -r pkg probe; do
  [ -n "${pkg:-}" ] || continue
  case "$pkg" in \#*) continue ;; esac
  probe="${probe:-$pkg}"
  if [ "${probe#/}" != "$probe" ]; then [ -e "$probe" ] && continue; else command -v "$probe" >/dev/null 2>&1 && continue; fi
  missing+=("$pkg")
done < .ci/apt-packages

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; } >/dev/null || { echo "test.sh: apt-get install ${missing[*]} failed" >&2; exit 1; }
  else
    for pkg in "${missing[@]}"; do
      echo "test.sh: $pkg is missing: run \`sudo apt-get install -y $pkg\` (Debian/Ubuntu) and try again" >&2
    done
    exit 1
  fi
fi

# One test project at a time (-m:1). No test project depends on another any more (each references the test-support
# project and what it tests), so they can run in parallel (`./test.sh -m:2`), but on this 2-core machine two of nine
# parallel runs had a timing-sensitive browser test fail for the machine, not the code (benchmarks/README.md), and the
# parallel run was no faster: the engine's tests are the long pole either way.
exec dotnet test CrafyCaptcha.AspNetCore.sln -m:1 "$@"
