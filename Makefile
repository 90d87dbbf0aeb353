# Two commands on a fresh machine (Python >= 3.11, Node + npm, make):
#   make synth [ENV=dev]   set up, validate config/$(ENV).yaml, synthesize every stack
#   make test              set up, run every test
# Setup is incremental: with nothing changed, re-running installs nothing.

# Only `make <target> ENV=<env>` chooses the environment: a variable ENV in the process
# environment is the shell's own (POSIX sh reads its startup file from it), not ours.
ifeq ($(origin ENV),environment)
override ENV := dev
endif
ENV ?= dev
# ENV names a config file, directories and AWS resources, and recipes pass it on: it is checked
# here, in make itself, before any recipe (and so any shell) sees it.
ENV_CHARACTERS := a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2 3 4 5 6 7 8 9 -
without_characters = $(if $(2),$(call without_characters,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,99,$(2))),$(1))
# $(value ...): the text as given, before make expands a $(...) inside it.
ifneq ($(call without_characters,$(value ENV),$(ENV_CHARACTERS))$(word 2,$(value ENV))$(if $(value ENV),,empty),)
$(error ENV='$(value ENV)' is not an environment name: lower-case letters, digits and '-' only, e.g. ENV=dev)
endif
# Another directory of environment files (default config/); used by tests and forks.
CONFIG_DIR ?=
# Paths and counts given on the command line reach recipes (and so a shell): they are checked
# here too, characters a path needs only.
PATH_CHARACTERS := $(ENV_CHARACTERS) A B C D E F G H I J K L M N O P Q R S T U V W X Y Z _ . /
check_path = $(if $(call without_characters,$(2),$(PATH_CHARACTERS))$(word 2,$(2))$(filter / . ..,$(2)),$(error $(1)='$(2)' is not allowed: a path of letters, digits and _ . / - only, not / . or ..))
$(call check_path,CONFIG_DIR,$(value CONFIG_DIR))
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
OUT ?= cdktf.out
$(call check_path,OUT,$(value OUT))

# The Node runtime pinned in package.json (jsii supports it; the machine's Node may be EOL)
# comes first on PATH for the cdktf CLI and for the jsii runtime behind the Python app.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
# No telemetry, no update checks, no crash reports: synth needs no network.
export CHECKPOINT_DISABLE := 1
export CDKTF_DISABLE_PLUGIN_CACHE_ENV := 1
# Node 22 warns that the prebuilt provider bindings call the deprecated util.isArray; the
# bindings are frozen (archived upstream), so the warning is noise: silenced on purpose.
export NODE_OPTIONS := --no-deprecation
# A TF_CLI_CONFIG_FILE that names a missing file only makes terraform print warnings.
ifneq ($(TF_CLI_CONFIG_FILE),)
ifeq ($(wildcard $(TF_CLI_CONFIG_FILE)),)
unexport TF_CLI_CONFIG_FILE
endif
endif

PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.package-lock.json
PG_STAMP := $(VENV)/.postgresql

.PHONY: setup synth test test-django policy clean snapshot-update bench rehearse lint fix docs deploy destroy promote rollback

# The two installs run side by side (pip and npm each leave a core idle). Wheels are installed
# without compiling their bytecode: the provider bindings hold thousands of modules, of which a
# synth imports a few dozen (compiled on first import).
PIP_INSTALL = -m pip install --quiet --disable-pip-version-check --no-compile

setup:
	@$(MAKE) --no-print-directory -j2 $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): requirements.txt requirements-dev.txt requirements-pytest.txt django_app/requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python >= 3.11 is required; set PYTHON=python3.11")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) $(PIP_INSTALL) -r requirements.txt -r requirements-dev.txt
	$(PY) -m pip check
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# PostgreSQL server binaries for the Django tests (Debian package; installed once, as root).
$(PG_STAMP):
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else \
	    echo "PostgreSQL server binaries are missing: install Debian's 'postgresql' package" >&2; exit 1; \
	  fi; \
	fi
	@mkdir -p $(VENV) && touch $@

# Validate first: a bad config file stops here and cdktf.out is left as it was. The CLI then
# writes into a fresh directory that replaces cdktf.out only when synth succeeded.
synth: setup
	INFRA_CONFIG_DIR=$(CONFIG_DIR) $(PY) -m infra_config $(ENV)
	rm -rf $(OUT).next
	@# The CLI draws progress spinners; its output is shown only when synth fails.
	@INFRA_CONFIG_DIR=$(CONFIG_DIR) INFRA_ENV=$(ENV) npx --no-install cdktf synth --output $(OUT).next \
	  > $(OUT).log 2>&1 || { cat $(OUT).log; rm -rf $(OUT).log $(OUT).next; exit 1; }
	@rm -f $(OUT).log
	rm -rf $(OUT).previous
	if [ -d $(OUT) ]; then mv $(OUT) $(OUT).previous; fi
	mv $(OUT).next $(OUT)
	rm -rf $(OUT).previous
	@echo "synthesized environment '$(ENV)' into $(OUT)/stacks/"

# Everything installed side by side, lint (cheapest) first, then every test on TEST_WORKERS
# processes (pytest-xdist, a module per worker at a time). The deploy rehearsal is the longest
# module and starts first (tests/conftest.py); the policy gate is a test
# (tests/policy/test_shipped_gate.py) that another worker runs meanwhile.
TEST_WORKERS ?= 2
ifneq ($(call without_characters,$(value TEST_WORKERS),0 1 2 3 4 5 6 7 8 9)$(word 2,$(value TEST_WORKERS))$(if $(value TEST_WORKERS),,empty),)
ifneq ($(value TEST_WORKERS),auto)
$(error TEST_WORKERS='$(value TEST_WORKERS)' is not allowed: a number of workers, or auto)
endif
endif
test:
	@$(MAKE) --no-print-directory -j3 $(PY_STAMP) $(NODE_STAMP) $(POLICY_STAMP) $(PG_STAMP)
	@$(MAKE) --no-print-directory lint
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder

# ruff for the whole tree (pyproject.toml [tool.ruff]): lint rules and formatting, both checked.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# README's configuration table from the config model's field descriptions (tests check it).
docs: setup
	$(PY) -m infra_config.docs

# Apply ruff's safe fixes and formatting; review the diff.
fix: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

POLICY_VENV := .venv-policy
POLICY_STAMP := $(POLICY_VENV)/.installed
POLICY_OUT := .policy

# checkov in a venv of its own: its pinned closure conflicts with pytest 9's.
$(POLICY_STAMP): requirements-policy.txt
	test -x $(POLICY_VENV)/bin/python || $(PYTHON) -m venv $(POLICY_VENV)
	$(POLICY_VENV)/bin/python $(PIP_INSTALL) -r requirements-policy.txt
	$(POLICY_VENV)/bin/python -m pip check
	touch $@

# The policy gate: checkov over every stack of dev and prod, the chart rendered with each values
# file, and the Dockerfile; skips, each with its reason, in .checkov.yaml.
policy: setup $(POLICY_STAMP)
	rm -rf $(POLICY_OUT)
	mkdir -p $(POLICY_OUT)/terraform
	$(MAKE) --no-print-directory synth ENV=dev OUT=$(POLICY_OUT)/terraform/dev
	$(MAKE) --no-print-directory synth ENV=prod OUT=$(POLICY_OUT)/terraform/prod
	$(PY) -m policy.render_chart $(POLICY_OUT)/kubernetes
	$(PY) -m policy.gate --checkov $(POLICY_VENV)/bin/checkov --skip-file .checkov.yaml --fail-on-unused-skips \
	  terraform_json=$(POLICY_OUT)/terraform kubernetes=$(POLICY_OUT)/kubernetes dockerfile=django_app

# The Django service's tests alone, in a small venv of their own: what the Jenkinsfile's test
# stage runs in its Python container (no cdktf, no npm there).
DJANGO_VENV := .venv-django
$(DJANGO_VENV)/.installed: django_app/requirements.txt requirements-pytest.txt
	test -x $(DJANGO_VENV)/bin/python || $(PYTHON) -m venv $(DJANGO_VENV)
	$(DJANGO_VENV)/bin/python $(PIP_INSTALL) -r django_app/requirements.txt -r requirements-pytest.txt
	touch $@

test-django: $(DJANGO_VENV)/.installed $(PG_STAMP)
	$(DJANGO_VENV)/bin/python -m pytest --confcutdir=tests/django_image tests/django_image

clean:
	rm -rf $(OUT) $(OUT).next $(OUT).previous .pytest_cache $(POLICY_OUT)

# Provider filesystem mirror (hashicorp/aws inside) for the deploy rehearsal's terraform runs.
export TF_PLUGIN_MIRROR ?= /opt/tf-plugins

# Deploy rehearsal (README "Deploy rehearsal"): real Terraform applies ENV's stacks to an AWS API
# emulator (moto) on 127.0.0.1, checks what they promise, proves the locks and tears it all down.
# Fails with one line when terraform >= 1.10 or the provider mirror is missing.
rehearse: setup
	$(PY) -m rehearsal $(ENV)

# Deploy to the AWS account of your credentials (README "Deploying to a real AWS account"):
# prerequisites first, one line each, then every stack in dependency order with the cdktf CLI,
# each plan shown and approved unless AUTO_APPROVE=1. Run again after a failure: it continues.
# destroy needs CONFIRM=<env>; CONFIRM_BACKEND=<env> takes the state backend too. The values
# reach the tool through the environment only, never through a shell command line.
deploy destroy: export DEPLOY_ENV = $(ENV)
deploy destroy: export AUTO_APPROVE := $(AUTO_APPROVE)
deploy destroy: export CONFIRM := $(CONFIRM)
deploy destroy: export CONFIRM_BACKEND := $(CONFIRM_BACKEND)
deploy destroy: export INFRA_CONFIG_DIR := $(CONFIG_DIR)
deploy destroy: setup
	@$(PY) -m deployment $@

# Promotion and rollback (README "Delivery"), from a clone whose origin you may push to, with
# the target environment's AWS credentials: `make promote FROM=dev TO=prod [MODE=pr]` writes
# the image recorded healthy in FROM into TO's values file; `make rollback ENV=<env> TAG=<tag>`
# sets ENV's to an image it ran before. Values reach the tool through the environment only.
promote rollback: export FROM := $(FROM)
promote rollback: export TO := $(TO)
promote rollback: export MODE := $(MODE)
promote rollback: export TAG := $(TAG)
# A rollback names its environment: ENV's default (dev) would roll back the wrong one.
rollback: export DEPLOY_ENV = $(if $(filter command line,$(origin ENV)),$(ENV),)
promote rollback: export INFRA_CONFIG_DIR := $(CONFIG_DIR)
promote rollback: setup
	@$(PY) -m deployment.promotion_commands $@

# Synth speed: `python main.py` for ENV with lazy and with eager provider loading, 3 runs each:
# median wall time, peak memory of the process tree, ratio (README, "Synth speed").
bench: setup
	INFRA_CONFIG_DIR=$(CONFIG_DIR) $(PY) bench/synth_bench.py --env $(ENV)

# Rewrite the synth snapshots after an intended change; review `git diff tests/stacks/__snapshots__`.
snapshot-update: setup
	$(PY) -m pytest tests/stacks/test_snapshots.py --snapshot-update
