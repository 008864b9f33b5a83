# Everything a fresh machine needs: `make run` installs what serving needs and starts the service
# on the embedded store (`make run PORT=4011` on another port); `make test` adds what the tests
# need and runs them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?=
# pytest-xdist workers for `make test` (-e, -unit): tests of what the whole host shares (real
# container builds, QEMU, the README's quick start) run one at a time on one of them, in the xdist
# group "host" (tests/conftest.py); TEST_WORKERS=0 runs the suite in this process, one test at a time.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup

.PHONY: install install-run lint generate run test test-unit test-e2e bench coverage clean

# What serving needs only: the first `make run` stays quick.
$(BIN)/.installed-run: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[postgres]'
	touch $@

# The test extra as well (pytest, the AWS CLI, ruff, ...); it includes all that serving needs.
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,postgres]'
	touch $@ $(BIN)/.installed-run

# Debian packages real container builds need (buildah, runc, skopeo, docker-registry, mmdebstrap,
# busybox-static, uidmap), and for the tests Chromium: installed when missing, as root on Debian
# only; a no-op (no apt-get update) when they are all there, and a note naming the packages anywhere else.
install: $(BIN)/.installed tests/js/node_modules/.installed
	@scripts/install-debian-packages.sh --test

# The AWS SDK for JavaScript, for the test that it verifies against `oib serve --auth sigv4`
# unmodified (tests/e2e/test_auth.py); skipped, and that test with it, where npm is missing.
tests/js/node_modules/.installed: tests/js/package.json
	@if command -v npm >/dev/null 2>&1; then npm install --prefix tests/js --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the AWS SDK for JavaScript test will be skipped"; fi

install-run: $(BIN)/.installed-run
	@scripts/install-debian-packages.sh

run: install-run
	@echo "oib: $(BIN)/oib (\`. $(BIN)/activate\` in another terminal puts oib on your PATH)"
	$(BIN)/oib serve$(if $(PORT), --port $(PORT))

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

# protocol/generated.py (errors, enums, request and response types) from botocore's model; a unit
# test fails when the checked-in file is not this output.
generate: install
	$(BIN)/python -m openimagebuilder.protocol.generate

test: install lint
	$(PYTEST)

test-unit: install
	$(PYTEST) tests/unit

test-e2e: install
	$(PYTEST) tests/e2e

bench: install
	$(BIN)/python bench/run.py

coverage: install
	$(BIN)/python -m openimagebuilder.coverage > docs/coverage.md
	$(BIN)/python -m openimagebuilder.coverage --readme README.md

clean:
	rm -rf $(VENV) .oib .pytest_cache .hypothesis .mypy_cache
