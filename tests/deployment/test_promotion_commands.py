"""`make promote` and `make rollback` (deployment.promotion_commands): the delivery tools with
their options taken from the config files, run in a worktree of their own. On real git repositories
(a bare remote and a person's clone) and ECR as moto emulates it."""

from __future__ import annotations

import json
import os
import subprocess

import boto3
import pytest
from moto import mock_aws

from delivery.deployed import record
from delivery.git import Git
from deployment.promotion_commands import main, promote_arguments
from infra_config import load_config
from synth_helpers import REPO_ROOT

TAG = "0123abcd4567"
MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 7023,
            "digest": "sha256:" + "b" * 64,
        },
        "layers": [],
    }
)


def git(*args, cwd):
    completed = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


@pytest.fixture
def clone(tmp_path, monkeypatch):
    """A person's clone of a remote holding the chart's values files, dev at TAG recorded
    healthy, prod on nothing yet; the person has a branch checked out and a change pending."""
    config = tmp_path / "gitconfig"
    config.write_text("[user]\n\tname = A Person\n\temail = person@example.com\n")
    for name in list(os.environ):
        if name.startswith("GIT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    remote, work = tmp_path / "remote.git", tmp_path / "clone"
    git("init", "--quiet", "--bare", "--initial-branch=main", str(remote), cwd=tmp_path)
    git("clone", "--quiet", str(remote), str(work), cwd=tmp_path)
    git("checkout", "--quiet", "-b", "main", cwd=work)
    chart = work / "helm" / "django-app"
    chart.mkdir(parents=True)
    for environment in ("dev", "prod"):
        text = (REPO_ROOT / "helm" / "django-app" / f"values-{environment}.yaml").read_text()
        tag = TAG if environment == "dev" else ""
        (chart / f"values-{environment}.yaml").write_text(
            text.replace('  tag: ""\n', f'  tag: "{tag}"\n', 1)
        )
    git("add", ".", cwd=work)
    git("commit", "--quiet", "-m", "chart", cwd=work)
    git("push", "--quiet", "origin", "main", cwd=work)
    record(Git(work), "origin", "dev", TAG, git("rev-parse", "HEAD", cwd=work).strip())
    git("checkout", "--quiet", "-b", "my-feature", cwd=work)
    (work / "notes.txt").write_text("mine\n")
    return work


@pytest.fixture
def ecr(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("ecr", region_name="eu-west-1")
        client.create_repository(repositoryName="djeks/django-app")
        client.put_image(repositoryName="djeks/django-app", imageManifest=MANIFEST, imageTag=TAG)
        yield client


def test_options_come_from_the_target_config():
    config = load_config("prod")
    arguments = promote_arguments({"FROM": "dev", "TO": "prod"}, "/tmp/w")
    options = dict(zip(arguments[::2], arguments[1::2], strict=False))
    assert options["--chart-path"] == config.gitops.chart_path
    assert options["--repository"] == config.registry.repository_name
    assert options["--region"] == config.aws.region
    assert options["--author-email"] == config.gitops.bot_email
    assert options["--branch"] == config.gitops.branch
    assert "--pull-request" not in arguments
    assert promote_arguments({"FROM": "dev", "TO": "prod", "MODE": "pr"}, "/w")[-1] == (
        "--pull-request"
    )


def test_promote_writes_prod_and_leaves_the_persons_clone_alone(clone, ecr, capsys):
    status = main(["promote"], {"FROM": "dev", "TO": "prod"}, repository=clone)

    out, err = capsys.readouterr()
    assert status == 0, err
    assert "prod runs 0123abcd4567 (from dev)" in out
    git("fetch", "--quiet", "origin", cwd=clone)
    prod = git("show", "origin/main:helm/django-app/values-prod.yaml", cwd=clone)
    assert f'  tag: "{TAG}"\n' in prod
    committer = git("log", "-1", "--format=%ce", "origin/main", cwd=clone).strip()
    assert committer == load_config("prod").gitops.bot_email
    # The person's branch, pending file and worktree list are as they were.
    assert git("rev-parse", "--abbrev-ref", "HEAD", cwd=clone).strip() == "my-feature"
    assert (clone / "notes.txt").read_text() == "mine\n"
    assert len(git("worktree", "list", cwd=clone).splitlines()) == 1


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"FROM": "prod", "TO": "dev"},
            "make promote: config/dev.yaml: gitops.promoted_from is None, not 'prod': dev runs "
            "only images promoted from it; set gitops.promoted_from: prod in config/dev.yaml "
            "first",
        ),
        (
            {"FROM": "qa", "TO": "prod"},
            "make promote: config/prod.yaml: gitops.promoted_from is 'dev', not 'qa': prod runs "
            "only images promoted from it; make promote FROM=dev TO=prod",
        ),
        (
            {"FROM": "dev", "TO": "prod", "MODE": "merge"},
            "make promote: MODE: 'merge' is not allowed: pr (a pull request), or nothing",
        ),
        (
            {"FROM": "", "TO": "prod"},
            "make promote: FROM: '' is not an environment name; usage: make promote "
            "FROM=<env> TO=<env> [MODE=pr]",
        ),
    ],
)
def test_a_promotion_the_config_does_not_declare_is_refused(clone, capsys, environ, message):
    before = git("ls-remote", "origin", cwd=clone)
    assert main(["promote"], environ, repository=clone) == 2
    assert capsys.readouterr().err.strip() == message
    assert git("ls-remote", "origin", cwd=clone) == before


def test_rollback_takes_the_environment_values_file(clone, capsys):
    calls = []
    status = main(
        ["rollback"],
        {"DEPLOY_ENV": "prod", "TAG": "0123"},
        repository=clone,
        tools={"rollback": lambda arguments: calls.append(arguments) or 0},
    )
    assert status == 0
    [arguments] = calls
    options = dict(zip(arguments[::2], arguments[1::2], strict=False))
    assert options["--values-file"] == "helm/django-app/values-prod.yaml"
    assert options["--to"] == "0123"
    assert main(["rollback"], {"DEPLOY_ENV": "prod"}, repository=clone) == 2
    assert "TAG is not set" in capsys.readouterr().err


def test_the_credentials_must_be_the_pinned_account_of_the_target(
    clone, ecr, capsys, tmp_path, monkeypatch
):
    from synth_helpers import ConfigDir

    (tmp_path / "config").mkdir()
    configs = ConfigDir(tmp_path / "config", monkeypatch)
    configs.edit("dev", aws__account_id="111111111111")
    configs.edit("prod", aws__account_id="222222222222")
    before = git("ls-remote", "origin", cwd=clone)
    status = main(["promote"], {"FROM": "dev", "TO": "prod"}, repository=clone)
    assert status == 2
    assert capsys.readouterr().err.strip() == (
        "make promote: AWS credentials: arn:aws:sts::123456789012:user/moto is in account "
        "123456789012, not aws.account_id 222222222222: use that account's credentials "
        "(AWS_PROFILE), or correct aws.account_id (config/prod.yaml)"
    )
    assert git("ls-remote", "origin", cwd=clone) == before


def test_make_rollback_without_env_is_refused_not_run_on_dev(capsys):
    completed = subprocess.run(
        ["make", "--no-print-directory", "-s", "rollback", "TAG=0123abcd4567"],
        cwd=REPO_ROOT,
        env={k: v for k, v in os.environ.items() if k not in ("ENV", "MAKEFLAGS", "MAKELEVEL")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode != 0
    assert "make rollback: ENV is not set on the make command line: name the environment" in (
        completed.stderr
    )
