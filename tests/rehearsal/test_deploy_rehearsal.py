"""The deploy rehearsal: real Terraform applies dev's stacks to moto, step by step.

The steps (`rehearsal.steps.STEPS`) run in order against one emulator; once a step fails, the
later ones are skipped. The last steps tear everything down and check that nothing is left.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from infra_config import EnvironmentConfig, load_config
from rehearsal.deploy import Rehearsal
from rehearsal.emulator import running_emulator
from rehearsal.steps import STEPS, NotRehearsed, Step
from rehearsal.synth import backend_stack_on_s3
from rehearsal.terraform import Terraform

# The longest module of the suite: it starts the session (tests/conftest.py). Its steps share one
# emulator; `make test` runs pytest-xdist with --dist loadscope, so one worker runs them all.
pytestmark = pytest.mark.first


@dataclass
class RehearsalRun:
    rehearsal: Rehearsal
    config: EnvironmentConfig
    failed_step: str | None = field(default=None)


@pytest.fixture(scope="module")
def run(toolchain, dev):
    """Rehearsal copies of the dev stacks in a temporary directory, an emulator; both gone
    when the module's tests are done."""
    config = load_config("dev")
    with (
        tempfile.TemporaryDirectory(prefix="rehearsal-") as workdir,
        running_emulator(config.aws.region) as emulator,
    ):
        workdir = Path(workdir)
        rehearsal = Rehearsal(
            Terraform(toolchain, workdir),
            emulator,
            workdir,
            dev.manifest,
            dev.stacks,
            backend_stack_on_s3(config, workdir / "synth-backend-on-s3"),
        )
        yield RehearsalRun(rehearsal, config)


@pytest.mark.parametrize("step", STEPS, ids=[step.title for step in STEPS])
def test_step(run: RehearsalRun, step: Step):
    if run.failed_step:
        pytest.skip(f"an earlier step failed: {run.failed_step}")
    try:
        step.run(run.rehearsal, run.config)
    except NotRehearsed as reason:
        pytest.skip(f"{reason} (rehearsal.deploy.DEFERRED_STACKS; make rehearse applies it)")
    except BaseException:
        run.failed_step = step.title
        raise
