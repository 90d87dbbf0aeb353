"""Session fixtures: each shipped environment is synthesized once per test session."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from app_runtime import provider_loader
from synth_helpers import REPO_ROOT, SynthResult, synthesize

# jsii (in this process and in subprocesses) runs on the Node pinned in package.json, as under
# make; the machine's own Node may be end-of-life and make jsii print a banner.
os.environ["PATH"] = f"{REPO_ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ['PATH']}"
# As in the Makefile: the frozen provider bindings trigger a Node deprecation warning.
os.environ["NODE_OPTIONS"] = "--no-deprecation"
# Providers load lazily in the tests too, as in main.py: before any test module imports cdktf.
provider_loader.install()

# Property-based tests (hypothesis) explore new examples on every local run; CI draws the same
# examples every time, so a submission's result does not depend on the draw.
settings.register_profile("ci", derandomize=True, database=None)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "default")


def pytest_collection_modifyitems(config, items):
    """Tests marked `first` (the deploy rehearsal: about six minutes, its steps in order on one
    worker) start the session; the other worker runs the rest meanwhile."""
    items.sort(key=lambda item: item.get_closest_marker("first") is None)


@pytest.fixture(scope="session")
def synth(tmp_path_factory):
    """`synth(env)` returns that environment's `SynthResult`, synthesizing it at most once."""
    cache: dict[str, SynthResult] = {}

    def get(environment: str) -> SynthResult:
        if environment not in cache:
            cache[environment] = synthesize(environment, tmp_path_factory.mktemp(environment))
        return cache[environment]

    return get


@pytest.fixture(scope="session")
def dev(synth) -> SynthResult:
    return synth("dev")


@pytest.fixture(scope="session")
def prod(synth) -> SynthResult:
    return synth("prod")
