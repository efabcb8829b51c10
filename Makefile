# CityTwin — QGIS plugin. On a fresh Debian 12 machine `make demo` and `make test`
# do all set-up themselves (Debian packages, .venv, build).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VERSION := $(shell sed -n 's/^version=//p' metadata.txt)
VENV    := .venv
PY      := $(VENV)/bin/python
SYSPY   := /usr/bin/python3
QGIS_PROFILE ?= default
QGIS_PROFILES_DIR ?= $(HOME)/.local/share/QGIS/QGIS3/profiles
PYTEST_ARGS ?=

# Plugin sources that carry user-facing strings (for pylupdate5).
TR_SOURCES = $(shell find . -name '*.py' -not -path './.venv/*' -not -path './build/*' \
               -not -path './dist/*' -not -path './tests/*' -not -path './bench/*' \
               -not -path './scripts/*' -not -name 'resources_rc.py' | sort)

.PHONY: help setup system venv node build resources translations viewer update-ts test test-unit \
        test-qgis test-desktop lint format demo sample-data bench package deploy clean distclean

help:
	@echo "CityTwin $(VERSION)"
	@echo "  make demo      set up, build and run the demo on sample data"
	@echo "  make test      set up, build, lint and run all test tiers"
	@echo "  make setup     Debian packages + .venv (idempotent)"
	@echo "  make sample-data  write the synthetic sample city into demo/sample_city/"
	@echo "  make package   dist/citytwin-$(VERSION).zip for 'Install from ZIP'"
	@echo "  make deploy    install into QGIS profile '$(QGIS_PROFILE)'"
	@echo "  make lint | bench | update-ts | clean | distclean"

# ---- set-up -------------------------------------------------------------------------
setup: system venv node

system:
	@scripts/setup-system.sh

venv: $(VENV)/.installed

# pyproj, pyogrio, shapely and rtree are built against Debian's PROJ/GDAL/GEOS/libspatialindex,
# the copies QGIS loads (their PyPI wheels bundle others that crash QGIS); pip's wheel cache
# makes later set-ups fast. pyproj 3.6 does not build with Cython 3.1+.
SOURCE_BUILT := pyproj,pyogrio,shapely,rtree
PIP := $(PY) -m pip --disable-pip-version-check -q

$(VENV)/.installed: requirements.txt requirements-dev.txt scripts/pyproj-build-constraints.txt
	@test -x $(PY) || $(SYSPY) -m venv --system-site-packages $(VENV)
	$(PIP) install pip==25.3  # Debian's bundled pip 23.0 ignores its wheel cache with --no-binary
	PIP_CONSTRAINT=$(CURDIR)/scripts/pyproj-build-constraints.txt \
	  $(PIP) install --no-deps --no-binary pyproj $$(grep '^pyproj==' requirements.txt)
	$(PIP) install --no-binary $(SOURCE_BUILT) -r requirements-dev.txt
	@touch $@

# Node packages pinned in tools/package-lock.json: the test tools (Khronos glTF validator,
# playwright-core driving Chromium) and CesiumJS, which scene packages ship (see `viewer`).
node: tools/node_modules/.installed

tools/node_modules/.installed: tools/package.json tools/package-lock.json
	cd tools && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# ---- build --------------------------------------------------------------------------
build: resources translations viewer

resources: resources_rc.py

# pyrcc5 writes `from PyQt5 import QtCore`; the plugin speaks only qgis.PyQt (Qt6-ready).
resources_rc.py: resources.qrc $(wildcard icons/*.svg)
	pyrcc5 -o $@.tmp $<
	sed -i 's/^from PyQt5 import QtCore/from qgis.PyQt import QtCore/' $@.tmp
	mv $@.tmp $@

translations: $(patsubst %.ts,%.qm,$(wildcard i18n/*.ts))

i18n/%.qm: i18n/%.ts
	lrelease -silent $< -qm $@

# The scene-package viewer (viewer/) runs CesiumJS, copied from npm's build of it into
# viewer/Cesium/ (gitignored) with its licence; redone only when the lock file changes
# (tools/node_modules/.installed is touched by each `npm ci`). Only the browser build is
# copied: index.js/index.cjs are for bundlers, not for a page.
CESIUM_PKG   := tools/node_modules/cesium
CESIUM_PARTS := Cesium.js Assets ThirdParty Widgets Workers

viewer: viewer/Cesium/Cesium.js

viewer/Cesium/Cesium.js: tools/node_modules/.installed tools/package-lock.json
	rm -rf viewer/Cesium viewer/Cesium.tmp
	mkdir -p viewer/Cesium.tmp
	for part in $(CESIUM_PARTS); do cp -R $(CESIUM_PKG)/Build/Cesium/$$part viewer/Cesium.tmp/; done
	cp $(CESIUM_PKG)/LICENSE.md viewer/Cesium.tmp/LICENSE.md
	mv viewer/Cesium.tmp viewer/Cesium
	@touch $@

update-ts:
	pylupdate5 -noobsolete $(TR_SOURCES) -ts i18n/citytwin_zh_CN.ts

# ---- quality ------------------------------------------------------------------------
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: setup build package lint
	$(VENV)/bin/pytest tests/unit $(PYTEST_ARGS)
	$(VENV)/bin/pytest tests/qgis $(PYTEST_ARGS)
	$(VENV)/bin/pytest tests/desktop $(PYTEST_ARGS)

test-unit: setup viewer
	$(VENV)/bin/pytest tests/unit $(PYTEST_ARGS)

test-qgis: setup build package
	$(VENV)/bin/pytest tests/qgis $(PYTEST_ARGS)

test-desktop: setup build package
	$(VENV)/bin/pytest tests/desktop $(PYTEST_ARGS)

bench: setup build package
	$(PY) bench/run.py

# ---- demo ---------------------------------------------------------------------------
demo: setup build package sample-data
	$(PY) scripts/demo.py

sample-data: venv
	$(PY) scripts/make_sample_data.py demo/sample_city

# ---- distribution -------------------------------------------------------------------
package: build
	$(SYSPY) scripts/package.py --output dist

deploy: package
	@mkdir -p "$(QGIS_PROFILES_DIR)/$(QGIS_PROFILE)/python/plugins"
	rm -rf "$(QGIS_PROFILES_DIR)/$(QGIS_PROFILE)/python/plugins/citytwin"
	cp -r build/package/citytwin "$(QGIS_PROFILES_DIR)/$(QGIS_PROFILE)/python/plugins/"
	@echo "Deployed CityTwin $(VERSION) into profile '$(QGIS_PROFILE)'; enable it in Plugins > Manage and Install Plugins."

clean:
	rm -rf build dist resources_rc.py resources_rc.py.tmp i18n/*.qm viewer/Cesium viewer/Cesium.tmp \
	       tests/desktop/artifacts tests/qgis/artifacts bench/results demo/output .pytest_cache .ruff_cache
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
