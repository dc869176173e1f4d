#!/bin/sh
# deb_package.sh BUILD_DIR
# Builds the .deb with CPack from BUILD_DIR and checks it as an operator would meet it:
#  1. its control data (name, version, dependencies from dpkg-shlibdeps, conffiles) and the
#     files where Debian expects them (binaries, unit, example config, docs);
#  2. the maintainer scripts parse;
#  3. the packaged binaries run: the daemon starts from the extracted tree on a loopback-only
#     config, smm-dispatchctl reads its status on the admin socket (mode 0600; the panel
#     socket refuses it), SIGTERM stops it with exit 0;
#  4. as root, when the package is not installed already: `dpkg -i` installs it (postinst
#     creates the socket group and enables the unit; systemd need not run), the installed
#     daemon passes --check-config on the example's shape, and `dpkg --purge` removes it.
# Exits 77 (skipped) without cpack or dpkg-deb.
set -eu
build=$1
command -v cpack >/dev/null 2>&1 || { echo "SKIP: cpack not installed"; exit 77; }
command -v dpkg-deb >/dev/null 2>&1 || { echo "SKIP: dpkg-deb not installed"; exit 77; }
tmp=$(mktemp -d /tmp/smm-deb-XXXXXX)
daemon_pid=
cleanup() {
  [ -n "$daemon_pid" ] && kill -9 "$daemon_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

(cd "$build" && cpack -G DEB -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1) || { cat "$tmp/cpack.log"; fail "cpack -G DEB"; }
deb=$(ls "$tmp"/pkg/smm-dispatchd_*.deb 2>/dev/null | head -n1)
[ -n "$deb" ] || fail "no smm-dispatchd_*.deb in $tmp/pkg"
echo "built $(basename "$deb")"

# 1. Control data and contents.
info=$(dpkg-deb -I "$deb")
for field in "Package: smm-dispatchd" "Depends:.*libsqlite3" "Depends:.*adduser" "Depends:.*libsystemd"; do
  printf '%s\n' "$info" | grep -q "$field" || fail "control has no '$field'"
done
dpkg-deb -e "$deb" "$tmp/control"
grep -qx "/etc/smm-dispatchd/smm-dispatchd.toml.example" "$tmp/control/conffiles" || fail "the example is not a conffile"
contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/smm-dispatchd ./usr/bin/smm-dispatchctl ./usr/lib/systemd/system/smm-dispatchd.service \
         ./etc/smm-dispatchd/smm-dispatchd.toml.example ./usr/share/doc/smm-dispatchd/README.md \
         ./usr/share/doc/smm-dispatchd/operations.md; do
  alt=$(printf '%s' "$f" | sed 's|^\./usr/lib/systemd|./lib/systemd|')
  printf '%s\n' "$contents" | grep -q -e " $f\$" -e " $alt\$" || fail "the package has no $f"
done
printf '%s\n' "$contents" | grep -q "smm-mockprovider" && fail "a development tool (smm-mockprovider) is packaged"

# 2. Maintainer scripts.
for s in postinst prerm postrm; do
  [ -x "$tmp/control/$s" ] || fail "$s is missing or not executable"
  sh -n "$tmp/control/$s" || fail "$s does not parse"
done

# 3. The packaged binaries run.
dpkg-deb -x "$deb" "$tmp/root"
bin="$tmp/root/usr/bin"
"$bin/smm-dispatchd" --version | grep -q '^smm-dispatchd ' || fail "smm-dispatchd --version"
unit=$(ls "$tmp"/root/lib/systemd/system/smm-dispatchd.service "$tmp"/root/usr/lib/systemd/system/smm-dispatchd.service 2>/dev/null | head -n1)
grep -q '^ExecStart=/usr/bin/smm-dispatchd ' "$unit" || fail "the packaged unit does not run /usr/bin/smm-dispatchd"
mkdir -p "$tmp/run"
cat >"$tmp/run/smm.toml" <<TOML
[daemon]
socket_path = "$tmp/run/panel.sock"
api_socket_path = "$tmp/run/api.sock"
metrics_listen = ""
journal_path = "$tmp/run/journal.sqlite"

[[providers]]
name = "local"
api_url = "http://127.0.0.1:9/api/v2"
key = "k"

[[services]]
id = 1
name = "Followers"
rate = "0.90"
route = [{ provider = "local", service = 1 }]
TOML
"$bin/smm-dispatchd" --check-config "$tmp/run/smm.toml" >/dev/null || fail "--check-config on a valid config"
"$bin/smm-dispatchd" --config "$tmp/run/smm.toml" >"$tmp/run/daemon.log" 2>&1 &
daemon_pid=$!
i=0
# The admin socket: admin.sock next to socket_path (daemon.admin_socket_path's default).
until "$bin/smm-dispatchctl" --socket "$tmp/run/admin.sock" status >"$tmp/run/status.txt" 2>&1; do
  i=$((i + 1))
  [ $i -lt 100 ] || { cat "$tmp/run/daemon.log" "$tmp/run/status.txt"; fail "the packaged daemon did not answer within 10 s"; }
  kill -0 "$daemon_pid" 2>/dev/null || { cat "$tmp/run/daemon.log"; fail "the packaged daemon exited at start"; }
  sleep 0.1
done
[ "$(stat -c %a "$tmp/run/admin.sock")" = 600 ] || fail "the admin socket is not mode 0600: $(stat -c %a "$tmp/run/admin.sock")"
if "$bin/smm-dispatchctl" --socket "$tmp/run/panel.sock" status >"$tmp/run/refused.txt" 2>&1; then
  fail "the panel socket answered an admin command"
fi
grep -q "forbidden: op \"overview\" is served only on the admin socket $tmp/run/admin.sock" "$tmp/run/refused.txt" ||
  { cat "$tmp/run/refused.txt"; fail "the panel socket's refusal does not name the admin socket"; }
kill -TERM "$daemon_pid"
rc=0
wait "$daemon_pid" || rc=$?
daemon_pid=
[ "$rc" -eq 0 ] || { cat "$tmp/run/daemon.log"; fail "SIGTERM: exit $rc"; }
echo "OK: the packaged daemon started, answered smm-dispatchctl status on its admin socket, and stopped with exit 0"

# 4. A real install, only where it is safe: as root, package not installed yet.
if [ "$(id -u)" -eq 0 ] && ! dpkg-query -W smm-dispatchd >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; dpkg --purge smm-dispatchd >/dev/null 2>&1 || true; fail "dpkg -i"; }
  status=$(dpkg-query -W -f '${Status}' smm-dispatchd)
  installed_ok=1
  [ "$status" = "install ok installed" ] || installed_ok=0
  getent group smm-dispatchd-clients >/dev/null || installed_ok=0
  [ -f /etc/smm-dispatchd/smm-dispatchd.toml.example ] || installed_ok=0
  /usr/bin/smm-dispatchd --check-config "$tmp/run/smm.toml" >/dev/null || installed_ok=0
  dpkg --purge smm-dispatchd >>"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg --purge"; }
  [ "$installed_ok" -eq 1 ] || { cat "$tmp/dpkg.log"; fail "installed package: status '$status', group, example or binary missing"; }
  [ ! -e /usr/bin/smm-dispatchd ] || fail "purge left /usr/bin/smm-dispatchd"
  echo "OK: dpkg -i installed it (status '$status', socket group made), dpkg --purge removed it"
else
  echo "NOTE: dpkg -i step skipped (needs root and no installed smm-dispatchd)"
fi
echo "OK: $(basename "$deb")"
