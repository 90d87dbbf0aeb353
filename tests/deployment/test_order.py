"""deployment.order: the deploy and destroy waves follow the dependencies main.py declares."""

from __future__ import annotations

import json

import pytest

from deployment.order import StackGraph, StackOrderError
from synth_helpers import SHIPPED_ENVIRONMENTS

DIAMOND = {
    "base": frozenset(),
    "left": frozenset({"base"}),
    "right": frozenset({"base"}),
    "top": frozenset({"left", "right"}),
}


def wave_index(waves) -> dict[str, int]:
    return {name: index for index, wave in enumerate(waves) for name in wave}


@pytest.mark.parametrize("environment", SHIPPED_ENVIRONMENTS)
def test_derived_order_equals_the_declared_dependencies(synth, environment):
    manifest = synth(environment).manifest
    declared = {name: set(stack["dependencies"]) for name, stack in manifest["stacks"].items()}
    graph = StackGraph.from_manifest(manifest)
    assert {name: set(needs) for name, needs in graph.dependencies.items()} == declared

    deployed = wave_index(graph.deploy_waves())
    assert sorted(deployed) == sorted(declared), "every stack deploys exactly once"
    for name, needs in declared.items():
        # Each stack goes up in the first wave after everything it needs: no later, no sooner.
        assert deployed[name] == max((deployed[need] + 1 for need in needs), default=0), name

    destroyed = wave_index(graph.destroy_waves())
    assert sorted(destroyed) == sorted(declared), "every stack is destroyed exactly once"
    for name, needs in declared.items():
        for need in needs:
            assert destroyed[need] > destroyed[name], f"{need} outlives {name}"


@pytest.mark.parametrize("environment", SHIPPED_ENVIRONMENTS)
def test_the_backend_comes_first_and_goes_last(synth, environment):
    graph = StackGraph.from_manifest(synth(environment).manifest)
    assert graph.deploy_waves()[0] == ("backend",)
    assert graph.destroy_waves()[-1] == ("backend",)


def test_the_graph_reads_a_synthesized_output_directory(dev):
    assert StackGraph.from_outdir(dev.outdir) == StackGraph.from_manifest(dev.manifest)


def test_waves_of_a_diamond():
    graph = StackGraph(DIAMOND)
    assert graph.deploy_waves() == (("base",), ("left", "right"), ("top",))
    assert graph.destroy_waves() == (("top",), ("left", "right"), ("base",))
    assert graph.deploy_order() == ("base", "left", "right", "top")
    assert graph.destroy_order() == ("top", "left", "right", "base")


def test_a_cycle_is_refused_with_its_path():
    with pytest.raises(StackOrderError, match=r"form a cycle: (a -> b -> a|b -> a -> b)$"):
        StackGraph({"a": frozenset({"b"}), "b": frozenset({"a"})}).deploy_waves()


def test_an_unknown_dependency_is_refused():
    with pytest.raises(StackOrderError, match=r"stack 'a' depends on unknown stacks \['ghost'\]"):
        StackGraph({"a": frozenset({"ghost"})})


def test_a_subset_keeps_its_own_order():
    assert StackGraph(DIAMOND).only({"base", "left"}).deploy_waves() == (("base",), ("left",))


def test_a_subset_that_cuts_a_dependency_is_refused():
    with pytest.raises(StackOrderError, match=r"stack 'left' depends on \['base'\], which the"):
        StackGraph(DIAMOND).only({"left"})


def test_the_graph_cannot_be_changed_after_it_is_made():
    graph = StackGraph(dict(DIAMOND))
    with pytest.raises(TypeError):
        graph.dependencies["new"] = frozenset()  # type: ignore[index]


def test_a_manifest_stack_without_dependencies_key_has_none(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"stacks": {"solo": {}}}))
    assert StackGraph.from_outdir(tmp_path).deploy_waves() == (("solo",),)
