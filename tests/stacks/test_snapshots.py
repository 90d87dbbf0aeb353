"""Snapshot of every stack of every shipped environment.

A change to any synthesized JSON fails here until the snapshot is updated on purpose:
`make snapshot-update`, then review `git diff tests/__snapshots__` before committing.
"""

from __future__ import annotations

import copy

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from synth_helpers import SHIPPED_ENVIRONMENTS, stack_names


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


def normalized(stack: dict) -> dict:
    """The stack without volatile metadata (the cdktf version that wrote it)."""
    stack = copy.deepcopy(stack)
    stack.get("//", {}).get("metadata", {}).pop("version", None)
    return stack


@pytest.mark.parametrize(
    ("environment", "stack_name"),
    [(environment, name) for environment in SHIPPED_ENVIRONMENTS for name in stack_names()],
)
def test_stack_matches_reviewed_snapshot(synth, snapshot_json, environment, stack_name):
    assert normalized(synth(environment).stacks[stack_name]) == snapshot_json


@pytest.mark.parametrize("environment", SHIPPED_ENVIRONMENTS)
def test_every_stack_has_a_snapshot(synth, environment):
    assert sorted(synth(environment).stacks) == sorted(stack_names())
