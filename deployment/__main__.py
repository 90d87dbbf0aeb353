"""`make deploy ENV=<env>` and `make destroy ENV=<env> CONFIRM=<env>`: the runbook as code.

    python -m deployment deploy <env>     (or the environment in DEPLOY_ENV, as make sets it)
    python -m deployment destroy <env>

Settings, from the process environment (make passes its variables of the same names):
  AUTO_APPROVE=1        apply each plan without asking (default: cdktf shows it and asks)
  CONFIRM=<env>         destroy only: the environment's name again, or nothing is destroyed
  CONFIRM_BACKEND=<env> destroy only: also the state backend (bucket emptied, every version)

Order: the arguments and confirmations, then the prerequisites (one line each), then the
sequence (`deployment.sequence`) on the cdktf CLI (`deployment.cdktf`). Nothing is touched
before all of them pass. Exit 0 done, 1 a step failed (run again: it continues), 2 refused.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from delivery.names import ENVIRONMENT

ROOT = Path(__file__).resolve().parent.parent

ENVIRONMENT_NAME = ENVIRONMENT

USAGE = (
    "usage: make deploy ENV=<env> [AUTO_APPROVE=1] | "
    "make destroy ENV=<env> CONFIRM=<env> [CONFIRM_BACKEND=<env>] [AUTO_APPROVE=1]"
)

REFUSED, FAILED = 2, 1


class Refused(Exception):
    """The command cannot start; the message is one line, and nothing was touched."""


def _settings(argv: list[str], environ: Mapping[str, str]) -> tuple[str, str, bool, bool]:
    """(command, environment, auto_approve, including_backend), or `Refused`."""
    if len(argv) not in (1, 2) or argv[0] not in ("deploy", "destroy"):
        raise Refused(USAGE)
    command = argv[0]
    environment = argv[1] if len(argv) == 2 else environ.get("DEPLOY_ENV", "")
    if not ENVIRONMENT_NAME.fullmatch(environment):
        raise Refused(
            f"ENV: {environment[:40]!r} is not an environment name (lower-case letters, "
            f"digits and '-', at most 32, a letter first); {USAGE}"
        )
    approve = environ.get("AUTO_APPROVE", "")
    if approve not in ("", "0", "1"):
        raise Refused(f"AUTO_APPROVE: {approve[:40]!r} is not allowed: 1 to apply without asking")
    including_backend = False
    if command == "destroy":
        confirm = environ.get("CONFIRM", "")
        if confirm != environment:
            raise Refused(
                f"make destroy: refusing to start without CONFIRM={environment} "
                f"(got {confirm[:40]!r}); it destroys every stack of '{environment}' but "
                "the state backend"
            )
        backend = environ.get("CONFIRM_BACKEND", "")
        if backend not in ("", environment):
            raise Refused(
                f"CONFIRM_BACKEND: {backend[:40]!r} is not '{environment}': set it to the "
                "environment's name to destroy the state backend too, or leave it unset"
            )
        including_backend = backend == environment
    elif environ.get("CONFIRM") or environ.get("CONFIRM_BACKEND"):
        raise Refused(f"CONFIRM and CONFIRM_BACKEND are for make destroy only; {USAGE}")
    return command, environment, approve == "1", including_backend


def _prerequisites(command: str, config, session, say: Callable[[str], None]) -> list:
    """Each check one line, `ok`, `create` (a random secret the deploy makes) or `missing`
    with the fix; `Refused` if any is missing. Returns the secrets to create."""
    from deployment import prerequisites
    from infra_config.promotion import promotion_source, promotion_targets
    from infra_config.secrets import platform_secrets

    missing = 0
    to_create = []

    def attempt(check: Callable[[], str], secret=None) -> bool:
        nonlocal missing
        try:
            say(f"ok       {check()}")
            return True
        except prerequisites.SecretToCreate as absent:
            say(f"create   {absent}")
            to_create.append(secret)
            return True
        except prerequisites.PrerequisiteMissing as problem:
            say(f"missing  {problem}")
            missing += 1
            return False

    credentials = attempt(lambda: prerequisites.aws_identity(session, config.aws.account_id))
    attempt(prerequisites.aws_cli)
    attempt(prerequisites.terraform)
    if command == "destroy":
        attempt(prerequisites.kubectl)
        if credentials and config.database.kind == "rds":
            from stacks.database import database_identifier

            attempt(
                lambda: prerequisites.database_unlocked(
                    session, database_identifier(config), config.aws.region
                )
            )
        if credentials:
            for promotion in promotion_targets(config):
                if promotion.shares_registry:
                    attempt(
                        lambda target=promotion.target: prerequisites.no_sharer_deployed(
                            session, target
                        )
                    )
    elif credentials:
        promotion = promotion_source(config)
        if promotion is not None and promotion.shares_registry:
            attempt(
                lambda: prerequisites.shared_repository(
                    session,
                    config.registry.repository_name,
                    config.aws.region,
                    promotion.source.environment,
                )
            )
        checked = set()
        for secret in platform_secrets(config):
            if secret.aws_name in checked:  # two Kubernetes Secrets from one AWS secret
                continue
            checked.add(secret.aws_name)
            attempt(
                lambda secret=secret: prerequisites.platform_secret(
                    session, secret, config.aws.region
                ),
                secret,
            )
    else:
        say("skipped  the platform's secrets in Secrets Manager: checked once credentials work")
    if missing:
        raise Refused(f"make {command}: {missing} prerequisite(s) missing (above); nothing changed")
    return to_create


def _create_secrets(secrets, config, session, say: Callable[[str], None]) -> None:
    """The absent random secrets, created in Secrets Manager (values never printed)."""
    from deployment import prerequisites
    from stacks.base import default_tags

    for secret in secrets:
        line = prerequisites.create_secret(
            session, secret, config.aws.region, {**default_tags(config), "ManagedBy": "make deploy"}
        )
        say(f"created  {line}")


def main(argv: list[str], environ: Mapping[str, str] = os.environ, session=None) -> int:
    say = print
    try:
        command, environment, auto_approve, including_backend = _settings(argv, environ)
        from infra_config import ConfigError, load_config
        from infra_config.promotion import check_promotions

        try:
            config = load_config(environment)
            check_promotions(config)
        except ConfigError as error:
            raise Refused(f"config error: {error}") from None
        import boto3

        session = session or boto3.Session(region_name=config.aws.region)
        to_create = _prerequisites(command, config, session, say)
    except Refused as refusal:
        print(refusal, file=sys.stderr)
        return REFUSED

    from deployment import prerequisites
    from deployment.cdktf import CdktfExecutor
    from deployment.kubernetes import CleanupFailed
    from deployment.load_balancers import LeftoversRemain
    from deployment.order import StackGraph, StackOrderError
    from deployment.sequence import PROGRESS_SECONDS, Report, SequenceError, deploy, destroy

    executor = CdktfExecutor(
        config=config, root=ROOT, session=session, auto_approve=auto_approve, environ=environ
    )
    report = Report(sys.stdout, progress_seconds=PROGRESS_SECONDS if auto_approve else None)
    try:
        _create_secrets(to_create, config, session, say)
        with report.step(f"synthesize '{environment}'"):
            executor.synth()
        graph = StackGraph.from_outdir(executor.outdir)
        if command == "deploy":
            deploy(graph, executor, report)
        else:
            destroy(graph, executor, report, including_backend=including_backend)
    except (
        SequenceError,
        StackOrderError,
        CleanupFailed,
        LeftoversRemain,
        prerequisites.PrerequisiteMissing,
    ) as failure:
        print(f"make {command}: {failure}", file=sys.stderr)
        return FAILED
    except KeyboardInterrupt:
        print(f"make {command}: interrupted; run it again to continue", file=sys.stderr)
        return 130
    done = "deployed" if command == "deploy" else "destroyed"
    backend = "" if command == "deploy" or including_backend else " (the state backend stays)"
    print(f"{done} environment '{environment}'{backend}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
