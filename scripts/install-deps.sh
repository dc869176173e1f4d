#!/usr/bin/env bash
# Installs every Debian package the build, tests and demo need. Idempotent: only
# missing packages are fetched; an up-to-date machine returns in well under a second.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config ccache make
  libboost1.81-dev libsimdjson-dev libconcurrentqueue-dev libspdlog-dev
  libbenchmark-dev libgtest-dev libgmock-dev libsqlite3-dev libssl-dev libpq-dev postgresql
  libtomlplusplus-dev libcli11-dev libsystemd-dev libjemalloc-dev
  clang libclang-rt-14-dev
  openssl sqlite3 wrk curl php-cli php-curl systemd dpkg-dev file adduser init-system-helpers
  clang-format
)

missing=()
for p in "${packages[@]}"; do
  # dpkg-query reports "install ok installed" only for fully installed packages
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
