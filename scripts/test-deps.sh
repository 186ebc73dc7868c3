#!/usr/bin/env bash
# Installs the Debian packages the integration tests run for real (InfluxDB; Chromium for the dashboard test)
# when they are missing. Without root or apt, it says what is missing: those tests then skip with a printed reason.
set -uo pipefail

need=()
command -v influxd >/dev/null 2>&1 || need+=(influxdb)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "test-deps: ${need[*]} not installed and no root apt-get here; the tests that need them will be skipped" >&2
  exit 0
fi
echo "test-deps: installing ${need[*]} from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
  || echo "test-deps: could not install ${need[*]}; the tests that need them will be skipped" >&2
# The influxdb package may start its own service on 8086; the tests start their own server on free ports.
exit 0
