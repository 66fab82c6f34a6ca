#!/bin/sh
# Installs the Debian 12 packages jetml needs to build, test and run its demo.
# As root it runs apt-get; otherwise it prints the command to run.
#   install-deps.sh          build, test and demo dependencies
#   install-deps.sh bench    also the benchmark peers (PyTorch, OpenMP OpenBLAS, bc)
set -eu
PKGS="g++ cmake make libxtensor-dev libxtensor-blas-dev libxsimd-dev xtl-dev libopenblas-dev
libcli11-dev doctest-dev python3 python3-numpy python3-pandas python3-sklearn libfastjet-dev libfastjettools-dev groff-base librsvg2-bin"
if [ "${1:-}" = bench ]; then
  PKGS="$PKGS bc python3-torch libopenblas0-openmp"
fi
missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0
echo "jetml: installing missing Debian packages:$missing" >&2
if [ "$(id -u)" = 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends $missing >&2
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo apt-get update -qq >&2
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
else
  echo "jetml: missing packages:$missing" >&2
  echo "jetml: run as root: apt-get install$missing" >&2
  exit 1
fi
