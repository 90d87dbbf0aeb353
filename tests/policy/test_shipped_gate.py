"""The policy gate over what ships: `make policy` as a developer runs it, as a test.

`make test` runs it here rather than as a step of its own, so that it runs beside the deploy
rehearsal on the second test worker. It fails with the gate's own report.
"""

from __future__ import annotations

import os
import re
import subprocess

from synth_helpers import REPO_ROOT


def test_every_shipped_stack_chart_and_dockerfile_passes_the_gate(checkov, tmp_path):
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    }
    gate = subprocess.run(
        ["make", "--no-print-directory", "-C", str(REPO_ROOT), "policy", f"POLICY_OUT={tmp_path}"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = gate.stdout[-8000:] + gate.stderr[-4000:]
    assert gate.returncode == 0, report
    assert "policy gate: passed" in gate.stdout, report
    for framework in ("terraform_json", "kubernetes", "dockerfile"):
        summary = re.search(
            rf"^{framework}: (\d+) passed, 0 failed, \d+ skipped$", gate.stdout, re.M
        )
        assert summary and int(summary[1]) > 0, report
