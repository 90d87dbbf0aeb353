"""`terraform validate` of every synthesized stack but platform against the mirrored provider.

Fast (no AWS, no emulator): the stacks as synthesized, with only the AWS provider version
relaxed to the one in the mirror, are valid configurations for that provider.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from rehearsal.copies import with_aws_provider_version
from rehearsal.deploy import EMULATED_PROVIDERS
from rehearsal.terraform import Terraform
from synth_helpers import app_stacks

VALIDATED_STACKS = tuple(
    name for name, providers in app_stacks().items() if providers <= EMULATED_PROVIDERS
)
"""What the rehearsal can apply: every stack that needs no provider but AWS's."""


@pytest.fixture(scope="module")
def validations(toolchain, dev) -> dict[str, subprocess.CompletedProcess]:
    """`terraform validate` of each stack, two at a time, in a directory removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="rehearsal-validate-") as workdir:
        return _validate_all(toolchain, dev, Path(workdir))


def _validate_all(toolchain, dev, workdir: Path) -> dict[str, subprocess.CompletedProcess]:
    terraform = Terraform(toolchain, workdir)

    def validate(name: str) -> subprocess.CompletedProcess:
        directory = workdir / name
        directory.mkdir()
        stack = with_aws_provider_version(dev.stacks[name], toolchain.aws_provider_version)
        (directory / "cdk.tf.json").write_text(json.dumps(stack))
        terraform.run(directory, "init", "-backend=false")
        return terraform.run(directory, "validate", "-json", expect=(0, 1))

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(VALIDATED_STACKS, pool.map(validate, VALIDATED_STACKS), strict=True))


@pytest.mark.parametrize("name", VALIDATED_STACKS)
def test_stack_is_valid_for_the_mirrored_aws_provider(validations, name):
    result = json.loads(validations[name].stdout)
    errors = [
        diagnostic for diagnostic in result["diagnostics"] if diagnostic["severity"] == "error"
    ]
    assert result["valid"] and not errors, json.dumps(errors, indent=2)
