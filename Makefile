# Gatehouse: two commands do everything.
#   make serve   build and run the server on the embedded SQLite store (http://127.0.0.1:4566)
#   make test    install test tools, build, run the Swift unit tests and the integration tests

PYTHON ?= python3
PORT ?= 4566
DATA_DIR ?= ./.gatehouse
PIP = $(PYTHON) -m pip install --quiet --disable-pip-version-check

.PHONY: serve test build unit integration deps runtime models

serve: runtime
	swift build -c release --product gatehouse
	.build/release/gatehouse serve --port $(PORT) --data-dir $(DATA_DIR)

# What the README's walkthroughs need besides the server: the Python runtime interface client
# that runs Python handlers, and the aws CLI.
runtime:
	@$(PYTHON) -c "import awslambdaric" 2>/dev/null || $(PIP) awslambdaric==4.2.2
	@command -v aws >/dev/null || $(PIP) awscli==1.45.11

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
