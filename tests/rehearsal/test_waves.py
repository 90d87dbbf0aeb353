"""The rehearsal's deploy and teardown order agrees with the dependencies main.py declares."""

from __future__ import annotations

from rehearsal.deploy import DEPLOY_WAVES, DESTROY_WAVES, REHEARSED_STACKS

NOT_REHEARSED = {"platform"}


def dependencies(dev) -> dict[str, set[str]]:
    return {name: set(stack["dependencies"]) for name, stack in dev.manifest["stacks"].items()}


def test_every_stack_but_platform_is_rehearsed_once(dev):
    assert set(REHEARSED_STACKS) == set(dev.manifest["stacks"]) - NOT_REHEARSED
    for waves in (DEPLOY_WAVES, DESTROY_WAVES):
        names = [name for wave in waves for name in wave]
        assert sorted(names) == sorted(REHEARSED_STACKS)


def test_a_stack_deploys_after_everything_it_depends_on(dev):
    deployed: set[str] = set()
    for wave in DEPLOY_WAVES:
        for name in wave:
            assert dependencies(dev)[name] <= deployed, name
        deployed.update(wave)


def test_a_stack_is_destroyed_after_everything_that_depends_on_it(dev):
    destroyed: set[str] = set()
    for wave in DESTROY_WAVES:
        for name in wave:
            dependents = {
                other
                for other, needs in dependencies(dev).items()
                if name in needs and other not in NOT_REHEARSED
            }
            assert dependents <= destroyed, name
        destroyed.update(wave)


def test_the_backend_comes_first_and_goes_last():
    assert DEPLOY_WAVES[0] == ("backend",)
    assert DESTROY_WAVES[-1] == ("backend",)
