"""Fixtures of the policy gate tests: the pinned checkov, the gate as `make policy` runs it, the
rendered chart."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from synth_helpers import REPO_ROOT

CHECKOV = REPO_ROOT / ".venv-policy" / "bin" / "checkov"
SKIP_FILE = REPO_ROOT / ".checkov.yaml"


@pytest.fixture(scope="session")
def checkov() -> Path:
    """The pinned checkov of .venv-policy; missing, it skips the test (fails it in CI, where make
    creates it)."""
    if not CHECKOV.exists():
        message = (
            f"{CHECKOV.relative_to(REPO_ROOT)} is missing: `make policy` creates it from "
            "requirements-policy.txt"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return CHECKOV


@pytest.fixture(scope="session")
def run_gate(checkov):
    """run_gate(*targets) -> the finished `python -m policy.gate` over FRAMEWORK=DIRECTORY."""

    def run(*targets: str) -> subprocess.CompletedProcess:
        command = [
            sys.executable,
            "-m",
            "policy.gate",
            "--checkov",
            str(checkov),
            "--skip-file",
            str(SKIP_FILE),
            *targets,
        ]
        return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)

    return run


@pytest.fixture(scope="session")
def rendered_chart(tmp_path_factory) -> Path:
    """helm/django-app rendered by policy.render_chart for every values set, as `make policy`
    renders it."""
    from policy.render_chart import render_all

    out_dir = tmp_path_factory.mktemp("rendered-chart")
    render_all(out_dir)
    return out_dir
