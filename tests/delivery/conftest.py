"""Real git repositories in a temporary directory: a bare "remote", the pipeline's workspace clone
and clones for competing pushers. Git runs with an isolated configuration so that the machine's
own settings (hooks path, signing, identity) cannot change the outcome."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from delivery_helpers import REPOSITORY

from delivery.values_file import environment_values_file

REPO_ROOT = Path(__file__).resolve().parents[2]
CHART_PATH = "helm/django-app"
VALUES_PATH = environment_values_file(CHART_PATH, "dev")
"""Where the pipeline bumps dev's tag; prod's is `PROD_VALUES_PATH`, written by promotion."""
PROD_VALUES_PATH = environment_values_file(CHART_PATH, "prod")

BOT_NAME = "Jenkins tag bump"
BOT_EMAIL = "jenkins-bot@example.com"
HUMAN_EMAIL = "dev@example.com"


def chart_values_before_first_build(path=VALUES_PATH):
    """An environment's values file of the chart with image.tag empty, whatever tag the pipeline
    or a promotion has written since."""
    text, replaced = re.subn(
        r'(?m)^(  tag: )"[^"\n]*"$', r'\1""', (REPO_ROOT / path).read_text(), count=1
    )
    assert replaced == 1, f"{path} holds image.tag as a double-quoted string"
    return text


class GitSandbox:
    """A bare remote with a `main` branch holding the chart's values files of dev and prod
    (tags empty), and helpers around it."""

    values_path = VALUES_PATH
    bot_email = BOT_EMAIL
    chart_values_text = chart_values_before_first_build()
    prod_values_text = chart_values_before_first_build(PROD_VALUES_PATH)

    def __init__(self, root):
        self.root = root
        config = root / "gitconfig"
        config.write_text(
            "[user]\n\tname = A Developer\n\temail = " + HUMAN_EMAIL + "\n"
            "[init]\n\tdefaultBranch = main\n"
            "[advice]\n\tdetachedHead = false\n"
        )
        inherited = {
            name: value for name, value in os.environ.items() if not name.startswith("GIT_")
        }
        self.env = {
            **inherited,
            "GIT_CONFIG_GLOBAL": str(config),
            "GIT_CONFIG_NOSYSTEM": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        self.remote = root / "remote.git"
        self.git("init", "--quiet", "--bare", str(self.remote), cwd=root)
        seed = self.clone("seed")
        self.commit(
            seed,
            {
                VALUES_PATH: self.chart_values_text,
                PROD_VALUES_PATH: self.prod_values_text,
                "README.md": "app\n",
            },
            "Initial commit",
        )
        self.workspace = self.clone("workspace")

    def git(self, *args, cwd):
        completed = subprocess.run(
            ["git", *args], cwd=cwd, env=self.env, capture_output=True, text=True, check=False
        )
        assert completed.returncode == 0, f"git {' '.join(args)}: {completed.stderr}"
        return completed.stdout

    def clone(self, name):
        self.git("clone", "--quiet", str(self.remote), name, cwd=self.root)
        return self.root / name

    def commit(self, clone, files, message, push=True):
        """Write `files` ({path: text}) in `clone`, commit them as the developer and push."""
        for path, text in files.items():
            (clone / path).parent.mkdir(parents=True, exist_ok=True)
            (clone / path).write_text(text)
            self.git("add", path, cwd=clone)
        self.git("commit", "--quiet", "-m", message, cwd=clone)
        if push:
            if self.git("ls-remote", "--heads", "origin", "main", cwd=clone):
                self.git("pull", "--quiet", "--rebase", "origin", "main", cwd=clone)
            self.git("push", "--quiet", "origin", "HEAD:main", cwd=clone)
        return self.git("rev-parse", "HEAD", cwd=clone).strip()

    def remote_head(self):
        return self.git("rev-parse", "main", cwd=self.remote).strip()

    def remote_file(self, path=VALUES_PATH, revision="main"):
        return self.git("show", f"{revision}:{path}", cwd=self.remote)

    def remote_history(self):
        """[(commit, author email, subject)] of the remote main, newest first."""
        log = self.git("log", "--format=%H%x09%ae%x09%s", "main", cwd=self.remote)
        return [tuple(line.split("\t")) for line in log.splitlines()]

    def install_hook(self, repository, name, script):
        """Install a shell hook in a clone or in the bare remote."""
        hooks = (
            repository / ".git" / "hooks"
            if (repository / ".git").is_dir()
            else repository / "hooks"
        )
        hook = hooks / name
        hook.write_text("#!/bin/sh\nset -e\n" + script)
        hook.chmod(0o755)

    def run_module(self, module, *args):
        """`python -m <module> <args>` from the repository root, as the Jenkinsfile runs it."""
        return subprocess.run(
            [sys.executable, "-m", module, *args],
            cwd=REPO_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )

    def tag_bump(self, tag, *extra_args, clone=None):
        return self.run_module(
            "delivery.tag_bump",
            "--values-file",
            VALUES_PATH,
            "--key",
            "image.tag",
            f"--tag={tag}",
            "--repo-dir",
            str(clone or self.workspace),
            "--remote",
            "origin",
            "--branch",
            "main",
            "--author-name",
            BOT_NAME,
            "--author-email",
            BOT_EMAIL,
            *extra_args,
        )

    def loop_guard(self, clone, *extra_args):
        return self.run_module(
            "delivery.loop_guard", "--repo-dir", str(clone), "--bot-email", BOT_EMAIL, *extra_args
        )


@pytest.fixture
def sandbox(tmp_path):
    return GitSandbox(tmp_path)


@pytest.fixture
def ecr(monkeypatch):
    """ECR as moto emulates it, with the IMMUTABLE repository `REPOSITORY`, empty."""
    import boto3
    from moto import mock_aws

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("ecr", region_name="eu-west-1")
        client.create_repository(repositoryName=REPOSITORY, imageTagMutability="IMMUTABLE")
        yield client
