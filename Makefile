# coop_drive — one-command set-up, run and test.
#
#   make run     bootstrap, then run the default comparison (RUN_CMD)
#   make test    bootstrap, then ruff, mypy and pytest (benchmarks excluded)
#   make bench   bootstrap, then the benchmarks (pytest -m benchmark)
#   make mutation [PKG=coop_drive/eval]   mutation testing of the cores (docs/testing.md)
#
# Bootstrap = .venv with the pinned requirements.txt, coop_drive_msgs built and installed into the
# venv prefix (tools/build_msgs.py), coop_drive installed editable. Each step leaves a stamp in
# .venv/ and is redone only when its inputs change, so a second call costs seconds.
# No environment variables are needed afterwards: plain .venv/bin/python imports rclpy and
# coop_drive_msgs.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
VPY := $(VENV)/bin/python
MSGS_BUILD_DIR ?= build/coop_drive_msgs
RUN_CMD ?= $(VENV)/bin/coop-drive compare scenarios/occluded_intersection.yaml --out runs/occluded_intersection
LINT_PATHS := $(wildcard coop_drive tests maps tools)
PYTEST_ARGS ?=

STAMP_DEPS := $(VENV)/.stamp-deps
STAMP_MSGS := $(VENV)/.stamp-msgs
STAMP_EDITABLE := $(VENV)/.stamp-editable
MSG_SRCS := $(shell find coop_drive_msgs -type f ! -name '*.pyc' ! -path '*/__pycache__/*' 2>/dev/null)

# This machine's pip config names local index dirs that do not exist; pip then prints one
# harmless warning per package. Drop exactly that line, keep everything else.
PIP_FILTER := sed -u -e "/^WARNING: Location '.*' is ignored: it is neither a file nor a directory\.$$/d"

.PHONY: help bootstrap run test lint typecheck pytest bench mutation msgs freeze clean distclean

help:
	@echo "make run | make test | make bench | make mutation [PKG=coop_drive/eval] | make bootstrap | make msgs | make freeze | make clean | make distclean"

bootstrap: $(STAMP_DEPS) $(STAMP_MSGS) $(STAMP_EDITABLE)

$(STAMP_DEPS): requirements.txt
	@echo "== venv + pinned requirements ($(VENV))"
	@if ! $(VPY) -c 'import sys' >/dev/null 2>&1; then rm -rf $(VENV); $(PYTHON) -m venv $(VENV); fi
	$(VPY) -m pip install -q -r requirements.txt 2>&1 | $(PIP_FILTER)
	$(VPY) -m pip check 2>&1 | $(PIP_FILTER)
	@touch $@

$(STAMP_MSGS): $(STAMP_DEPS) tools/build_msgs.py $(MSG_SRCS)
	@echo "== coop_drive_msgs -> $(VENV)"
	$(VPY) tools/build_msgs.py --build-dir $(MSGS_BUILD_DIR)
	@touch $@

$(STAMP_EDITABLE): $(STAMP_DEPS) setup.py setup.cfg package.xml
	@echo "== coop_drive (editable)"
	$(VPY) -m pip install -q --no-deps --no-build-isolation -e . 2>&1 | $(PIP_FILTER)
	@touch $@

# Force a rebuild of the messages.
msgs: $(STAMP_DEPS)
	rm -f $(STAMP_MSGS)
	$(MAKE) $(STAMP_MSGS)

run: bootstrap
	$(RUN_CMD)

# ruff, mypy and pytest all run; the target fails if any failed.
test: bootstrap
	@rc=0; \
	echo "== ruff check $(LINT_PATHS)"; $(VENV)/bin/ruff check $(LINT_PATHS) || rc=1; \
	echo "== mypy coop_drive"; $(VENV)/bin/mypy coop_drive || rc=1; \
	echo "== pytest"; $(VENV)/bin/pytest -q tests $(PYTEST_ARGS) || rc=1; \
	exit $$rc

lint: bootstrap
	$(VENV)/bin/ruff check $(LINT_PATHS)

typecheck: bootstrap
	$(VENV)/bin/mypy coop_drive

pytest: bootstrap
	$(VENV)/bin/pytest -q tests $(PYTEST_ARGS)

bench: bootstrap
	$(VENV)/bin/pytest -q tests -m benchmark $(PYTEST_ARGS)

# Mutation testing of the cores (not part of `make test`): all packages, or one with PKG=coop_drive/eval.
# Summary per package in docs/testing.md (tools/mutation.py; MUTATION_ARGS e.g. --list-survivors).
PKG ?=
MUTATION_ARGS ?=
mutation: bootstrap
	$(VPY) tools/mutation.py $(PKG) $(MUTATION_ARGS)

# Re-pin everything after changing a top-level version (see tools/freeze_requirements.py).
freeze: $(STAMP_DEPS)
	$(VPY) tools/freeze_requirements.py > requirements.txt.new
	mv requirements.txt.new requirements.txt

clean:
	rm -rf build install log .mypy_cache .ruff_cache .pytest_cache *.egg-info

distclean: clean
	rm -rf $(VENV)
