"""`make deploy` and `make destroy` refuse, with one line and exit 2, touching nothing, when the
environment name, a confirmation or a prerequisite is missing or wrong. Run through make itself,
as a user would, without AWS credentials."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from deployment.__main__ import USAGE, main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def make(tmp_path):
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AWS_")
        and name not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "CONFIRM", "CONFIRM_BACKEND")
        and name not in ("AUTO_APPROVE", "ENV", "DEPLOY_ENV")
    }
    environment |= {
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }

    def tree() -> list[str]:
        # test_cdktf_executor's real synth (another worker, maybe meanwhile) writes its own
        # cdktf.out.deploy-test-<pid> at the root, as the relative paths in the JSON need.
        return sorted(
            path.name
            for path in ROOT.iterdir()
            if not path.name.startswith("cdktf.out.deploy-test-")
        )

    def run(*args: str) -> tuple[int, list[str], str]:
        before = tree()
        result = subprocess.run(
            ["make", "--no-print-directory", "-s", *args],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert tree() == before, "the run touched the tree"
        ours = [line for line in result.stderr.splitlines() if not line.startswith("make: ***")]
        return result.returncode, ours, result.stdout

    return run


def test_an_injected_command_in_env_is_refused_not_run(make):
    code, stderr, _ = make("deploy", "ENV=dev; touch injected")
    assert code == 2
    [line] = stderr
    assert line.endswith(
        "*** ENV='dev; touch injected' is not an environment name: lower-case "
        "letters, digits and '-' only, e.g. ENV=dev.  Stop."
    )
    assert not (ROOT / "injected").exists()


def test_the_tool_refuses_a_bad_environment_name_on_its_own():
    """Called without make, the same rule holds."""
    assert main(["deploy", "dev; touch injected"], environ={}) == 2


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("destroy", "ENV=dev"),
            "make destroy: refusing to start without CONFIRM=dev (got ''); it destroys every "
            "stack of 'dev' but the state backend",
        ),
        (
            ("destroy", "ENV=dev", "CONFIRM=prod"),
            "make destroy: refusing to start without CONFIRM=dev (got 'prod'); it destroys every "
            "stack of 'dev' but the state backend",
        ),
        (
            ("destroy", "ENV=dev", "CONFIRM=dev", "CONFIRM_BACKEND=yes"),
            "CONFIRM_BACKEND: 'yes' is not 'dev': set it to the environment's name to destroy "
            "the state backend too, or leave it unset",
        ),
        (
            ("deploy", "ENV=dev", "CONFIRM=dev"),
            f"CONFIRM and CONFIRM_BACKEND are for make destroy only; {USAGE}",
        ),
        (
            ("deploy", "ENV=dev", "AUTO_APPROVE=yes"),
            "AUTO_APPROVE: 'yes' is not allowed: 1 to apply without asking",
        ),
    ],
)
def test_missing_or_wrong_confirmations_are_refused(make, args, line):
    code, stderr, _ = make(*args)
    assert (code, stderr) == (2, [line])


def test_an_environment_without_a_config_file_is_refused(make):
    code, stderr, _ = make("deploy", "ENV=staging")
    assert code == 2
    assert len(stderr) == 1
    assert stderr[0].startswith("config error: config/staging.yaml: no such environment file")


@pytest.mark.parametrize("args", [("deploy", "ENV=dev"), ("destroy", "ENV=dev", "CONFIRM=dev")])
def test_without_credentials_the_prerequisites_say_so_and_nothing_starts(make, args):
    code, stderr, stdout = make(*args)
    assert code == 2
    assert len(stderr) == 1
    assert re.fullmatch(
        rf"make {args[0]}: \d prerequisite\(s\) missing \(above\); nothing changed", stderr[0]
    )
    lines = stdout.splitlines()
    assert lines[0].startswith("missing  AWS credentials: none found; set AWS_PROFILE")
    assert all(line.startswith(("ok       ", "missing  ", "skipped  ")) for line in lines)
    if args[0] == "deploy":
        assert lines[-1] == (
            "skipped  the platform's secrets in Secrets Manager: checked once credentials work"
        )
    assert any(line.startswith(("ok       terraform: ", "missing  terraform: ")) for line in lines)


def test_wrong_arguments_print_the_usage(capsys):
    assert main([]) == 2
    assert main(["apply", "dev"]) == 2
    assert capsys.readouterr().err.splitlines() == [USAGE, USAGE]


def test_a_pair_of_environments_that_disagree_is_refused_before_anything(
    tmp_path, monkeypatch, capsys
):
    from synth_helpers import ConfigDir

    configs = ConfigDir(tmp_path, monkeypatch)
    configs.edit("prod", aws__account_id="222222222222")
    assert main(["deploy", "prod"], environ={}) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("config error: config/prod.yaml: aws.account_id: set it in ")
