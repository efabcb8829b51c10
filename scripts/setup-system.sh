#!/usr/bin/env bash
# Install the Debian packages CityTwin's build, tests and demo need (Debian 12).
# Idempotent: installs only what is missing, so `make setup` is cheap when done.
set -euo pipefail

PACKAGES=(
  qgis qgis-providers python3-qgis python3-pyqt5   # QGIS 3.22 desktop, qgis_process, PyQGIS
  python3-venv python3-dev g++                     # the project's .venv
  libproj-dev proj-bin libgdal-dev libgeos-dev libspatialindex-dev  # build pyproj/pyogrio/shapely/rtree
                                                   # against the libraries QGIS itself uses
  pyqt5-dev-tools qttools5-dev-tools               # pyrcc5, pylupdate5, lrelease
  xvfb xauth                                       # the real desktop under a virtual screen
  fonts-wqy-microhei                               # CJK glyphs for the zh_CN UI in screenshots
  chromium                                         # headless 3D Tiles client (CesiumJS) in the tests
  zip unzip make
)
# Node.js runs the test tools in tools/ (glTF validator); Debian's nodejs/npm when absent.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup-system: all Debian packages present"
  exit 0
fi

echo "setup-system: installing ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "setup-system: need root (or sudo) to install: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
