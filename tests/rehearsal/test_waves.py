"""The rehearsal applies every stack it can emulate, in the order deployment.order derives."""

from __future__ import annotations

import copy

import pytest

from deployment.order import StackGraph
from deployment.sequence import BOOTSTRAP_STACK, SequenceError, deploy
from rehearsal.deploy import rehearsed_graph


def test_every_stack_using_only_the_aws_provider_is_rehearsed_unless_deferred(dev):
    from rehearsal.deploy import DEFERRED_STACKS

    graph = rehearsed_graph(dev.manifest, dev.stacks)
    aws_only = {name for name, stack in dev.stacks.items() if set(stack["provider"]) == {"aws"}}
    assert set(graph.dependencies) == aws_only - set(DEFERRED_STACKS)
    # The addons and platform stacks need a real cluster (helm and kubernetes providers): not
    # rehearsed.
    assert {"addons", "platform"} <= set(dev.stacks)
    assert not {"addons", "platform"} & set(graph.dependencies)


def test_the_rehearsal_order_is_the_app_order_without_the_cluster_installs(dev):
    full = StackGraph.from_manifest(dev.manifest)
    graph = rehearsed_graph(dev.manifest, dev.stacks)
    assert graph == full.only(set(full.dependencies) - {"addons", "platform", "database"})
    deployed: set[str] = set()
    for wave in graph.deploy_waves():
        for name in wave:
            assert graph.dependencies[name] <= deployed, name
        deployed.update(wave)


def test_the_backend_comes_first_and_goes_last(dev):
    graph = rehearsed_graph(dev.manifest, dev.stacks)
    assert graph.deploy_waves()[0] == (BOOTSTRAP_STACK,)
    assert graph.destroy_waves()[-1] == (BOOTSTRAP_STACK,)


def test_a_stack_that_does_not_need_the_backend_is_refused_before_anything_runs(dev):
    manifest = copy.deepcopy(dev.manifest)
    manifest["stacks"]["registry"]["dependencies"] = []
    graph = rehearsed_graph(manifest, dev.stacks)
    with pytest.raises(SequenceError, match="every stack must depend on 'backend'"):
        deploy(graph, executor=None, report=None)  # refused before the executor is used


def test_the_deferred_stacks_are_named_with_their_reason_and_not_applied(dev):
    from rehearsal.deploy import DEFERRED_STACKS

    graph = rehearsed_graph(dev.manifest, dev.stacks)
    assert set(DEFERRED_STACKS) <= set(dev.stacks)
    assert not set(DEFERRED_STACKS) & set(graph.dependencies)
    assert all(len(reason.split()) > 10 for reason in DEFERRED_STACKS.values())
