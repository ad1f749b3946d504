#!/usr/bin/env bash
# Sets up everything spiral needs on Debian (apt libraries, a virtual environment, torch, the
# package with its test extras), then runs the given command inside that environment.
#   ./run.sh spiral export assets/spiral.json --png spiral.png --scale 8 --svg spiral.svg
#   ./run.sh pytest
# Idempotent: a second run only checks, in well under a second.
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(libmypaint-1.5-1 mypaint-brushes libegl1 libegl-mesa0 libosmesa6)  # MuJoCo renders offscreen with EGL or OSMesa
TORCH_VERSION=2.13.0
VENV=.venv

missing_apt=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing_apt+=("$package")
done
if ((${#missing_apt[@]})); then
  echo "run.sh: installing ${missing_apt[*]} with apt" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing_apt[@]}" >/dev/null
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "run.sh: creating $VENV" >&2
  python3 -m venv "$VENV"
fi

stamp="$VENV/.spiral-installed"
wanted="$(cat pyproject.toml; "$VENV/bin/python" --version)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  echo "run.sh: installing torch $TORCH_VERSION and spiral into $VENV" >&2
  "$VENV/bin/python" -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING' >&2 || true
  # torch first and pinned: an open range would pull a multi-GB CUDA build.
  "$VENV/bin/python" -m pip install -q "torch==$TORCH_VERSION" 2>&1 | grep -v '^WARNING' >&2 || true
  "$VENV/bin/python" -m pip install -q -e '.[test]' 2>&1 | grep -v '^WARNING' >&2 || true
  "$VENV/bin/python" -c "import torch, spiral_cli" || { echo "run.sh: installation failed" >&2; exit 1; }
  printf '%s' "$wanted" > "$stamp"
fi

export PATH="$PWD/$VENV/bin:$PATH"
[ "$#" -gt 0 ] || set -- spiral --help
exec "$@"
