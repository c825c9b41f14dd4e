#!/bin/sh
# Installs the load generators and reference proxies the benchmarks compare Portico with, from Debian packages.
# Idempotent: when every tool is already present it does nothing (no apt-get update).
set -eu

missing=""
need() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || missing="$missing $2"; }
need wrk wrk
need nginx nginx
need haproxy haproxy
need h2load nghttp2-client
need hey hey
need taskset util-linux

if [ -z "$missing" ]; then
  echo "bench/install.sh: wrk, nginx, haproxy, h2load, hey and taskset are installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "bench/install.sh: need root (or sudo) to install:$missing" >&2
    echo "  run: apt-get update && apt-get install -y$missing" >&2
    exit 1
  fi
fi

echo "bench/install.sh: installing:$missing"
$SUDO apt-get update -qq
# The packaged services must not start on their own: the benchmark starts its own copies on loopback.
DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $SUDO apt-get install -y -qq --no-install-recommends $missing
# Debian starts nginx and haproxy after install where an init system is running; stop those system copies
# so they do not hold ports or compete for CPU. Only the services this script installed are touched.
for svc in nginx haproxy; do
  case "$missing" in *"$svc"*)
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
      $SUDO systemctl stop "$svc" || true
      $SUDO systemctl disable "$svc" >/dev/null 2>&1 || true
    fi;;
  esac
done
echo "bench/install.sh: done"
