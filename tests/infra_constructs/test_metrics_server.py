"""metrics-server alone, and as each shipped environment installs it."""

from __future__ import annotations

import json

import pytest
import yaml

from infra_config import load_config
from infra_constructs.metrics_server import MetricsServerAddon, MetricsServerAddonProps
from synth_helpers import SHIPPED_ENVIRONMENTS, helm_values, only_resource, synth_construct


def release(**props) -> dict:
    stack = json.loads(
        synth_construct(
            lambda scope: MetricsServerAddon(
                props=MetricsServerAddonProps(version="3.13.1", **props)
            ).deploy(scope)
        )
    )
    return only_resource(stack, "helm_release")


def test_pinned_chart_in_kube_system_with_two_replicas_and_a_budget():
    found = release()
    assert (found["chart"], found["version"], found["namespace"]) == (
        "metrics-server",
        "3.13.1",
        "kube-system",
    )
    assert found["repository"] == "https://kubernetes-sigs.github.io/metrics-server/"
    values = yaml.safe_load(found["values"][0])
    assert values == {"replicas": 2, "podDisruptionBudget": {"enabled": True, "minAvailable": 1}}


def test_one_replica_has_no_budget_that_would_block_every_drain():
    values = yaml.safe_load(release(replicas=1)["values"][0])
    assert values["podDisruptionBudget"]["enabled"] is False


def test_bad_replicas_are_refused():
    with pytest.raises(ValueError, match="replicas: 0 must be between 1 and 10"):
        MetricsServerAddonProps(version="3.13.1", replicas=0)


@pytest.mark.parametrize("environment", SHIPPED_ENVIRONMENTS)
def test_each_environment_installs_it_with_its_replicas(synth, environment):
    values = helm_values(synth(environment).stacks["addons"], "metrics-server")
    assert values["replicas"] == load_config(environment).addons.metrics_server.replicas
