"""deployment.cleanup on the real synthesized stacks: which stack gets which clean-up."""

from __future__ import annotations

import pytest

from deployment.cleanup import Cleanup, cleanups_for, cluster_name


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_each_stack_gets_the_clean_ups_of_what_it_holds(synth, environment):
    stacks = synth(environment).stacks
    needed = {name: cleanups_for(stack) for name, stack in stacks.items()}
    assert needed == {
        "backend": (),
        "network": (),
        "registry": (),
        "cluster": (Cleanup.CONTROLLER_LEFTOVERS,),
        "database": (),
        "addons": (Cleanup.KUBERNETES_OBJECTS,),
        "platform": (Cleanup.KUBERNETES_OBJECTS,),
    }
    assert cluster_name(stacks) == f"djeks-{environment}"


def test_no_cluster_or_two_clusters_is_an_error():
    with pytest.raises(ValueError, match="expected one aws_eks_cluster among the stacks, found 0"):
        cluster_name({"network": {"resource": {"aws_vpc": {}}}})
