"""main.py's wiring: which stacks exist, their backends and their declared dependencies."""

from __future__ import annotations

import pytest

from synth_helpers import SHIPPED_ENVIRONMENTS, stack_names

REMOTE_STACKS = [name for name in stack_names() if name != "backend"]


@pytest.mark.parametrize("environment", SHIPPED_ENVIRONMENTS)
@pytest.mark.parametrize("stack_name", REMOTE_STACKS)
def test_every_stack_but_backend_uses_the_s3_backend_with_both_locks(
    synth, environment, stack_name
):
    backend = synth(environment).stacks[stack_name]["terraform"]["backend"]
    assert set(backend) == {"s3"}
    s3 = backend["s3"]
    assert s3["key"] == f"djeks/{environment}/{stack_name}.tfstate"
    assert s3["use_lockfile"] is True
    assert s3["dynamodb_table"] == f"djeks-{environment}-tflock"
    assert s3["encrypt"] is True


def test_manifest_declares_the_deployment_order(dev):
    dependencies = {
        name: sorted(stack["dependencies"]) for name, stack in dev.manifest["stacks"].items()
    }
    assert dependencies == {
        "backend": [],
        "network": ["backend"],
        "registry": ["backend"],
        "cluster": ["backend", "network"],
        "database": ["backend", "cluster", "network"],
        "addons": ["backend", "cluster"],
        "platform": ["addons", "backend", "cluster", "database", "registry"],
    }


def test_cluster_reads_the_subnets_from_the_network_state(dev):
    remote = dev.stacks["cluster"]["data"]["terraform_remote_state"]
    [(_, network_state)] = remote.items()
    assert network_state["backend"] == "s3"
    assert network_state["config"]["key"] == "djeks/dev/network.tfstate"
