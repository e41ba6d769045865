#!/usr/bin/env bash
# What `make test` needs from the system besides Python: Debian's redis-server (the suite starts
# its own), chromium (the browser tests), a Java runtime (generates the Bridge test client) and
# promtool (checks deploy/prometheus; Debian ships it in the prometheus package, whose server
# the tests never start).
# As root with apt-get, installs what is missing; otherwise names the one command that would.
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "make test: installing ${missing[*]} (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "make test needs ${missing[*]}: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
