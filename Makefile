# Gatehouse: two commands do everything.
#   make serve   build and run the server on the embedded SQLite store (http://127.0.0.1:4566)
#   make test    install test tools, build, run the Swift unit tests and the integration tests

PYTHON ?= python3
PORT ?= 4566
DATA_DIR ?= ./.gatehouse

.PHONY: serve test build unit integration deps models

serve:
	swift build -c release --product gatehouse
	.build/release/gatehouse serve --port $(PORT) --data-dir $(DATA_DIR)

deps:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt

build:
	swift build --build-tests

unit: build
	swift test --skip-build

integration: deps build
	GATEHOUSE_BIN=.build/debug/gatehouse $(PYTHON) -m pytest -q tests/integration

test: unit integration

# Regenerate the bundled service models from the installed botocore.
models:
	$(PYTHON) scripts/extract_service_models.py
