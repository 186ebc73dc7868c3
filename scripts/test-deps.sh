#!/usr/bin/env bash
# Installs the Debian packages the integration tests run for real (InfluxDB; Chromium for the dashboard test)
# when they are missing. Locally, without root or apt, it says what is missing: those tests then skip with a
# printed reason. On CI (CI set, and not 0/false) it fails instead, as the tests themselves do: a CI run must not
# go green by skipping what it was meant to test.
set -uo pipefail

ci=$(printf '%s' "${CI:-}" | tr '[:upper:]' '[:lower:]')
on_ci=false
case "$ci" in '' | 0 | false) ;; *) on_ci=true ;; esac

missing() {
  local need=()
  command -v influxd >/dev/null 2>&1 || need+=(influxdb)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  echo "${need[@]}"
}

# Prints why it cannot go on; exits 1 on CI, 0 locally (the tests that need them skip and say so).
give_up() {
  if [ "$on_ci" = true ]; then
    echo "test-deps: $1; on CI (CI=$CI) the tests need them, failing" >&2
    exit 1
  fi
  echo "test-deps: $1; the tests that need them will be skipped" >&2
  exit 0
}

need=$(missing)
[ -z "$need" ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  give_up "$need not installed and no root apt-get here"
fi
echo "test-deps: installing $need from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086 # one word per package
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $need >/dev/null
still=$(missing)
[ -n "$still" ] && give_up "could not install $still"
# The influxdb package may start its own service on 8086; the tests start their own server on free ports.
exit 0
