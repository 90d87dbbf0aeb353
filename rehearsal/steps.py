"""The rehearsal, step by step: what `python -m rehearsal` runs and `tests/rehearsal` tests.

Each step raises (`RehearsalFailure`, `PromiseBroken`, `TerraformFailed`) when it does not go
as the README says; the steps only make sense in this order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from deployment.sequence import deploy, destroy
from infra_config import EnvironmentConfig
from infra_config.promotion import promotion_source
from infra_constructs.network import SUBNET_ELB_ROLES
from infra_constructs.registry import cache_repository_name
from rehearsal.checks import (
    PROMISES,
    database_is_private_encrypted_and_tls_only,
    every_state_is_in_the_bucket,
    leftovers,
    repositories_are_immutable_and_scanned,
)
from rehearsal.controller import make_ingress_load_balancer
from rehearsal.deploy import Rehearsal, RehearsalFailure
from stacks.database import database_identifier

LOCKED_STACK = "network"
"""The stack whose state a `terraform console` locks while a second run tries to plan."""
PLANTED_LOCK_STACK = "registry"
"""The stack whose state gets a lock planted as another holder would leave it."""


@dataclass(frozen=True)
class Step:
    """One step: `run(rehearsal, config)` raises when the step does not go as documented."""

    title: str
    run: Callable[[Rehearsal, EnvironmentConfig], None]


def _held_lock(rehearsal: Rehearsal, config: EnvironmentConfig) -> None:
    with rehearsal.holding_state_lock(LOCKED_STACK):
        rehearsal.prove_second_run_refused(LOCKED_STACK)
    if rehearsal.lock_holders(LOCKED_STACK):
        raise RehearsalFailure(f"{LOCKED_STACK}: the lock outlived the run that held it")


def _planted_lock(holder: str) -> Callable[[Rehearsal, EnvironmentConfig], None]:
    def prove(rehearsal: Rehearsal, config: EnvironmentConfig) -> None:
        with rehearsal.planted_lock(PLANTED_LOCK_STACK, holder):
            rehearsal.prove_second_run_refused(PLANTED_LOCK_STACK)
            if rehearsal.lock_holders(PLANTED_LOCK_STACK) != {holder}:
                raise RehearsalFailure(f"{PLANTED_LOCK_STACK}: the refused run left a lock")

    return prove


class NotRehearsed(Exception):
    """A step about a stack this rehearsal does not apply (deferred); the message says which."""


def _check(promise) -> Callable[[Rehearsal, EnvironmentConfig], None]:
    if promise is repositories_are_immutable_and_scanned:
        return _check_own_repositories
    return lambda rehearsal, config: promise(rehearsal.emulator, config)


def shared_repositories(config: EnvironmentConfig) -> tuple[str, ...]:
    """The image repositories `config`'s environment uses but its source environment creates
    (one registry: `infra_config.promotion`); none when it has its own."""
    promotion = promotion_source(config)
    if promotion is None or not promotion.shares_registry:
        return ()
    name = config.registry.repository_name
    return (name, cache_repository_name(name))


def _check_own_repositories(rehearsal: Rehearsal, config: EnvironmentConfig) -> None:
    if shared_repositories(config):
        raise NotRehearsed(
            f"{config.environment} creates no repository: it shares "
            f"{config.gitops.promoted_from}'s, which that environment's rehearsal checks"
        )
    repositories_are_immutable_and_scanned(rehearsal.emulator, config)


def _check_stack(stack: str, promise) -> Callable[[Rehearsal, EnvironmentConfig], None]:
    """`promise`, about `stack`: not checked when the rehearsal does not apply that stack."""

    def check(rehearsal: Rehearsal, config: EnvironmentConfig) -> None:
        if stack not in rehearsal.stack_names:
            raise NotRehearsed(f"the {stack} stack is not applied in this rehearsal")
        promise(rehearsal.emulator, config)

    return check


def _nothing_left(rehearsal: Rehearsal, config: EnvironmentConfig) -> None:
    ecr = rehearsal.emulator.client("ecr")
    for name in shared_repositories(config):  # the source environment's, made by _deploy
        ecr.delete_repository(repositoryName=name, force=True)
    if left := leftovers(rehearsal.emulator):
        raise RehearsalFailure(f"left behind: {'; '.join(left)}")


def _deploy(rehearsal: Rehearsal, config: EnvironmentConfig) -> None:
    """The environment deployed from nothing; one that shares its source's registry finds
    the source's repositories there first, as its real first deploy must (README)."""
    ecr = rehearsal.emulator.client("ecr")
    for name in shared_repositories(config):
        ecr.create_repository(repositoryName=name, imageTagMutability="IMMUTABLE")
    deploy(rehearsal.graph, rehearsal, rehearsal.report)


def _redeploy(rehearsal: Rehearsal, config: EnvironmentConfig) -> None:
    """Run again with nothing changed: the backend's state is found in its bucket (no
    bootstrap, no migration) and every stack's plan is empty, so nothing is applied."""
    done, changed = len(rehearsal.report.done), len(rehearsal.changed)
    deploy(rehearsal.graph, rehearsal, rehearsal.report)
    if "backend: apply on its own bucket" not in rehearsal.report.done[done:]:
        raise RehearsalFailure(
            f"the second deploy did not find the backend's state in its bucket: "
            f"{rehearsal.report.done[done:]}"
        )
    if applied := rehearsal.changed[changed:]:
        raise RehearsalFailure(
            "the second deploy changed "
            + "; ".join(f"{name}: {rehearsal.drift_of(name) or 'outputs'}" for name in applied)
        )


def _ingress_load_balancer(rehearsal: Rehearsal, config: EnvironmentConfig) -> None:
    """As the AWS Load Balancer Controller leaves them for an Ingress: an ALB in the subnets
    tagged for internet-facing load balancers, its target group and security group."""
    ec2 = rehearsal.emulator.client("ec2")
    subnets = ec2.describe_subnets(
        Filters=[{"Name": f"tag:{SUBNET_ELB_ROLES['public']}", "Values": ["1"]}]
    )["Subnets"]
    if not subnets:
        raise RehearsalFailure(f"no subnet is tagged {SUBNET_ELB_ROLES['public']}=1")
    make_ingress_load_balancer(
        ec2,
        rehearsal.emulator.client("elbv2"),
        cluster=rehearsal.cluster_name,
        vpc=subnets[0]["VpcId"],
        subnets=[subnet["SubnetId"] for subnet in subnets],
        name="rehearsal-app",
    )


def _destroy(rehearsal: Rehearsal, config: EnvironmentConfig) -> None:
    """The teardown; a database under deletion protection (prod's, by rule) is unlocked
    first, by the command `make destroy` names for it (README, "Database")."""
    if "database" in rehearsal.stack_names and config.database.deletion_protection:
        rehearsal.emulator.client("rds").modify_db_instance(
            DBInstanceIdentifier=database_identifier(config),
            DeletionProtection=False,
            ApplyImmediately=True,
        )
    destroy(rehearsal.graph, rehearsal, rehearsal.report, including_backend=True)


STEPS = (
    Step(
        "deploy from nothing (deployment.sequence): bootstrap the backend on local state, "
        "migrate its state into its bucket, the other stacks wave by wave",
        _deploy,
    ),
    *(Step(f"promise: {promise.__name__}", _check(promise)) for promise in PROMISES),
    Step(
        "promise: database_is_private_encrypted_and_tls_only",
        _check_stack("database", database_is_private_encrypted_and_tls_only),
    ),
    Step(
        "promise: every_state_is_in_the_bucket",
        lambda rehearsal, config: every_state_is_in_the_bucket(
            rehearsal.emulator, config, rehearsal.stack_names
        ),
    ),
    Step(
        "a second deploy resumes from the bucket (no bootstrap, no migration) and applies "
        "nothing: every plan is empty",
        _redeploy,
    ),
    Step(f"a run holding the {LOCKED_STACK} lock refuses a second run", _held_lock),
    Step("an S3 lockfile alone refuses a run", _planted_lock("s3-lockfile")),
    Step("a DynamoDB lock item alone refuses a run", _planted_lock("dynamodb")),
    Step(
        "a load balancer the controller made for an Ingress (ALB, target group, security "
        "group) stands in the VPC",
        _ingress_load_balancer,
    ),
    Step(
        "destroy (deployment.sequence): the controller's load balancers first, then reverse "
        "dependency order, the backend last "
        "(state back to local, bucket emptied)",
        _destroy,
    ),
    Step("nothing is left behind", _nothing_left),
)
