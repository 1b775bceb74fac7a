#!/usr/bin/env bash
# Builds the Debian package, installs it on this machine with dpkg, checks what it installed, then removes and
# purges it, checking what each step leaves. Run as root on a Debian machine (CI runs it from .ci/run); it refuses to
# touch a machine where casewatch is already installed. What a purge keeps by design — /var/lib/casewatch and the
# casewatch user — it keeps here too.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "test-deb: $*" >&2; exit 1; }
step() { echo "test-deb: $*"; }

[ "$(id -u)" = 0 ] || fail "run as root: it installs a package"
if dpkg-query -W -f='${Status}' casewatch 2>/dev/null | grep -q installed; then
  fail "casewatch is already installed on this machine; not touching it"
fi

version=$(cargo metadata --no-deps --format-version 1 --locked \
  | sed -n 's/.*"name":"casewatch","version":"\([^"]*\)".*/\1/p')
[ -n "$version" ] || fail "cannot read casewatch's version from cargo metadata"
deb="target/debian/casewatch_${version}_amd64.deb"

# CASEWATCH_DEB_PROFILE=dev packages the test build's binary (CI does, to stay short: the package's layout,
# maintainer scripts and unit are the same); unset, it is the release build a council installs.
profile=${CASEWATCH_DEB_PROFILE:-}
step "building $deb${profile:+ (profile $profile)}"
rm -f "$deb"
cargo deb --locked ${profile:+--profile "$profile"}
[ -f "$deb" ] || fail "cargo deb did not make $deb"

# Whatever happens from here on, the machine is left without the package.
trap 'dpkg --purge casewatch >/dev/null 2>&1 || true' EXIT

step "installing with dpkg -i"
dpkg -i "$deb"

installed=(
  /usr/bin/casewatch
  /usr/lib/systemd/system/casewatch.service
  /usr/lib/sysusers.d/casewatch.conf
  /usr/lib/tmpfiles.d/casewatch.conf
  /etc/casewatch/casewatch.toml
  /usr/share/doc/casewatch/README.md
  /usr/share/doc/casewatch/copyright
  /usr/share/doc/casewatch/docs/operations.md
  /usr/share/doc/casewatch/docs/staff-directory.md
  /usr/share/doc/casewatch/examples/rules/default.toml
  /usr/share/doc/casewatch/examples/templates/digest.txt
  /usr/share/doc/casewatch/contrib/ssd/README.md
  /usr/share/casewatch/contrib/ssd/postgres/00-settings.sql
  /usr/share/casewatch/contrib/ssd/postgres/40-events-meetings-records.sql
  /usr/share/casewatch/contrib/ssd/rules.toml
)
for path in "${installed[@]}"; do
  [ -f "$path" ] || fail "$path is not installed"
  dpkg -S "$path" >/dev/null || fail "$path is not registered to the package"
done
[ "$(stat -c %a /usr/bin/casewatch)" = 755 ] || fail "/usr/bin/casewatch is not mode 755"
dpkg-query -W -f='${Conffiles}\n' casewatch | grep -q '^ /etc/casewatch/casewatch.toml ' \
  || fail "/etc/casewatch/casewatch.toml is not a conffile"

step "checking the casewatch user and its directories"
IFS=: read -r _ _ _ _ _ home shell < <(getent passwd casewatch) || fail "no casewatch user"
[ "$home" = /var/lib/casewatch ] || fail "casewatch's home is $home"
case "$shell" in */nologin|*/false) ;; *) fail "casewatch has a login shell: $shell" ;; esac
[ "$(stat -c '%U %G %a' /var/lib/casewatch)" = "casewatch casewatch 700" ] \
  || fail "/var/lib/casewatch is $(stat -c '%U %G %a' /var/lib/casewatch)"
[ "$(stat -c '%U %G %a' /etc/casewatch/credentials)" = "root root 700" ] \
  || fail "/etc/casewatch/credentials is $(stat -c '%U %G %a' /etc/casewatch/credentials)"

step "checking the service is neither enabled nor started"
[ ! -e /etc/systemd/system/multi-user.target.wants/casewatch.service ] || fail "the unit was enabled"
if [ -d /run/systemd/system ]; then
  [ "$(systemctl is-enabled casewatch || true)" = disabled ] || fail "the unit is not disabled"
  [ "$(systemctl is-active casewatch || true)" = inactive ] || fail "the service was started"
fi
! pgrep -u casewatch >/dev/null || fail "a process runs as casewatch"

step "casewatch --version"
[ "$(/usr/bin/casewatch --version)" = "casewatch $version" ] \
  || fail "casewatch --version says $(/usr/bin/casewatch --version)"

step "check-config --offline on the installed configuration"
# The secrets the unit would load, as an operator writes them, so that the channels can be built.
credentials=$(mktemp -d)
printf 'not-a-real-password\n' >"$credentials/smtp-password"
printf 'https://council.webhook.office.example/workflows/abc\n' >"$credentials/teams-webhook-url"
: >"$credentials/pgpass"
CREDENTIALS_DIRECTORY=$credentials /usr/bin/casewatch check-config --offline /etc/casewatch/casewatch.toml \
  || fail "check-config --offline failed on /etc/casewatch/casewatch.toml"
rm -rf "$credentials"

step "systemd-analyze verify on the installed unit"
systemd-analyze verify /usr/lib/systemd/system/casewatch.service \
  || fail "systemd-analyze verify found problems in the unit"

step "an edited configuration survives a reinstall"
echo '# edited by test-deb' >>/etc/casewatch/casewatch.toml
dpkg -i "$deb"
grep -q '^# edited by test-deb$' /etc/casewatch/casewatch.toml || fail "a reinstall replaced the edited conffile"

step "dpkg -r: the program goes, the configuration stays"
dpkg -r casewatch
for path in "${installed[@]}"; do
  case "$path" in
    /etc/*) [ -f "$path" ] || fail "dpkg -r removed the conffile $path" ;;
    *) [ ! -e "$path" ] || fail "dpkg -r left $path" ;;
  esac
done

step "dpkg --purge: the configuration and credentials go too"
dpkg --purge casewatch
[ ! -e /etc/casewatch ] || fail "dpkg --purge left /etc/casewatch"
! dpkg-query -W casewatch >/dev/null 2>&1 || fail "dpkg still knows the package"
[ -d /var/lib/casewatch ] || fail "dpkg --purge removed the state directory, which holds the audit trail"

step "ok: $deb installs, runs its checks and removes cleanly"
