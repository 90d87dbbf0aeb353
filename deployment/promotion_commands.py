"""`make promote FROM=<env> TO=<env> [MODE=pr]` and `make rollback ENV=<env> TAG=<tag>`: the
delivery tools with everything they need taken from the environments' config files.

    python -m deployment.promotion_commands promote    (FROM, TO, MODE: the process environment)
    python -m deployment.promotion_commands rollback   (DEPLOY_ENV, TAG: the process environment)

promote: `delivery.promote` from FROM to TO, which must be the environment TO's config
    promotes from (`gitops.promoted_from`). MODE=pr pushes a branch for a pull request instead
    of committing to the branch Argo CD follows.
rollback: `delivery.rollback` of ENV to TAG, an image that ENV's values file held before.

Both commit as the bot of the target's config (`gitops.bot_name`/`bot_email`, so the build
pipeline treats the commit as deploy-only), push to `origin` with your Git credentials, and
check the image with your AWS credentials, which must be the target environment's. They work
in a temporary worktree of this clone: your checkout, branch and uncommitted changes are not
touched. Exit status as the tools': 0 done, 1 failed (run again), 2 refused (nothing pushed).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from deployment.__main__ import ENVIRONMENT_NAME, ROOT
from infra_config import ConfigError, EnvironmentConfig, load_config

REFUSED = 2
MODES = {"": False, "commit": False, "pr": True}
"""MODE: commit to the branch (default), or push a branch for a pull request."""


class Refused(Exception):
    """The command cannot start; the message is one line, and nothing was touched."""


def _environment(variable: str, value: str, usage: str) -> str:
    if not ENVIRONMENT_NAME.fullmatch(value):
        raise Refused(f"{variable}: {value[:40]!r} is not an environment name; {usage}")
    return value


def promote_arguments(environ: Mapping[str, str], repo_dir: str) -> list[str]:
    """`delivery.promote`'s arguments for FROM, TO and MODE, or `Refused`."""
    usage = "usage: make promote FROM=<env> TO=<env> [MODE=pr]"
    source = _environment("FROM", environ.get("FROM", ""), usage)
    target_name = _environment("TO", environ.get("TO", ""), usage)
    mode = environ.get("MODE", "")
    if mode not in MODES:
        raise Refused(f"MODE: {mode[:40]!r} is not allowed: pr (a pull request), or nothing")
    target = _config(target_name)
    declared = target.gitops.promoted_from
    if declared != source:
        fix = (
            f"make promote FROM={declared} TO={target_name}"
            if declared
            else f"set gitops.promoted_from: {source} in config/{target_name}.yaml first"
        )
        raise Refused(
            f"config/{target_name}.yaml: gitops.promoted_from is {declared!r}, not {source!r}: "
            f"{target_name} runs only images promoted from it; {fix}"
        )
    _in_account(target)
    return [
        "--from",
        source,
        "--to",
        target_name,
        "--chart-path",
        target.gitops.chart_path,
        "--repository",
        target.registry.repository_name,
        "--region",
        target.aws.region,
        *_bot_arguments(target, repo_dir),
        *(["--pull-request"] if MODES[mode] else []),
    ]


def rollback_arguments(environ: Mapping[str, str], repo_dir: str) -> list[str]:
    """`delivery.rollback`'s arguments for ENV and TAG, or `Refused`."""
    from delivery.values_file import environment_values_file

    usage = "usage: make rollback ENV=<env> TAG=<image tag it ran before>"
    if not environ.get("DEPLOY_ENV"):
        raise Refused(
            f"ENV is not set on the make command line: name the environment to roll back; {usage}"
        )
    name = _environment("ENV", environ["DEPLOY_ENV"], usage)
    tag = environ.get("TAG", "")
    if not tag:
        raise Refused(f"TAG is not set; {usage}")
    config = _config(name)
    _in_account(config)
    return [
        "--values-file",
        environment_values_file(config.gitops.chart_path, name),
        "--to",
        tag,
        "--repository",
        config.registry.repository_name,
        "--region",
        config.aws.region,
        *_bot_arguments(config, repo_dir),
    ]


def _bot_arguments(config: EnvironmentConfig, repo_dir: str) -> list[str]:
    gitops = config.gitops
    return [
        "--author-name",
        gitops.bot_name,
        "--author-email",
        gitops.bot_email,
        "--repo-dir",
        repo_dir,
        "--remote",
        "origin",
        "--branch",
        gitops.branch,
    ]


def _in_account(config: EnvironmentConfig) -> None:
    """With `aws.account_id` pinned, the AWS credentials must be that account's: the registry
    checked (and tagged) is the caller's."""
    if config.aws.account_id is None:
        return
    from deployment import prerequisites

    try:
        import boto3

        prerequisites.aws_identity(
            boto3.Session(region_name=config.aws.region), config.aws.account_id
        )
    except prerequisites.PrerequisiteMissing as missing:
        raise Refused(f"{missing} (config/{config.environment}.yaml)") from None


def _config(environment: str) -> EnvironmentConfig:
    try:
        return load_config(environment)
    except ConfigError as error:
        raise Refused(str(error)) from None


@contextmanager
def worktree(repository: Path) -> Iterator[str]:
    """A detached worktree of `repository` at its HEAD, removed afterwards: the tools move
    their work tree to the branch's tip, and must not move yours."""
    with tempfile.TemporaryDirectory(prefix="promotion-") as parent:
        path = str(Path(parent) / "worktree")
        subprocess.run(
            ["git", "worktree", "add", "--quiet", "--detach", path, "HEAD"],
            cwd=repository,
            check=True,
            capture_output=True,
        )
        try:
            yield path
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", path],
                cwd=repository,
                check=False,
                capture_output=True,
            )


def main(
    argv: Sequence[str],
    environ: Mapping[str, str],
    repository: Path = ROOT,
    tools: Mapping[str, Callable[[list[str]], int]] | None = None,
) -> int:
    commands = {"promote": promote_arguments, "rollback": rollback_arguments}
    if len(argv) != 1 or argv[0] not in commands:
        print("usage: python -m deployment.promotion_commands promote|rollback", file=sys.stderr)
        return REFUSED
    if tools is None:
        from delivery import promote, rollback

        tools = {"promote": promote.main, "rollback": rollback.main}
    command = argv[0]
    try:
        with worktree(repository) as repo_dir:
            arguments = commands[command](environ, repo_dir)
            return tools[command](arguments)
    except Refused as error:
        print(f"make {command}: {error}", file=sys.stderr)
        return REFUSED
    except subprocess.CalledProcessError as error:
        reason = " ".join(error.stderr.decode(errors="replace").split()) if error.stderr else ""
        print(f"make {command}: no worktree of {repository}: {reason}", file=sys.stderr)
        return REFUSED


if __name__ == "__main__":
    import os

    sys.exit(main(sys.argv[1:], os.environ))
