#!/bin/sh
# unit_paths.sh UNIT CONFIG
# The example config must fit the sandbox the unit builds: sockets inside RuntimeDirectory
# (/run/<dir>/), the journal inside StateDirectory (/var/lib/<dir>/); everything else is
# read-only under ProtectSystem=strict.
set -eu
unit=$1
config=$2
unit_value() { sed -n "s/^$1=//p" "$unit" | tail -n 1; }
config_value() { sed -n "s/^$1 *= *\"\(.*\)\".*/\1/p" "$config" | head -n 1; }
runtime=$(unit_value RuntimeDirectory)
state=$(unit_value StateDirectory)
[ -n "$runtime" ] || { echo "FAIL: $unit has no RuntimeDirectory="; exit 1; }
[ -n "$state" ] || { echo "FAIL: $unit has no StateDirectory="; exit 1; }
fail=0
check() {  # key, required prefix
  v=$(config_value "$1")
  case "$v" in
    "$2"/*) echo "OK: $1 = $v" ;;
    *) echo "FAIL: $1 = \"$v\" is not under $2/ (the only writable place for it)"; fail=1 ;;
  esac
}
check socket_path "/run/$runtime"
check api_socket_path "/run/$runtime"
check admin_socket_path "/run/$runtime"
check journal_path "/var/lib/$state"
exit $fail
