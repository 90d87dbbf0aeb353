"""infra_config.overrides: what make deploy tells a synth, validated like a config field."""

from __future__ import annotations

import pytest

from infra_config import ConfigError, load_config
from infra_config.overrides import BACKEND_STATES, SynthOverrides


def test_the_allowed_places_are_the_config_fields():
    assert BACKEND_STATES == ("local", "s3")


def test_unset_overrides_nothing():
    config = load_config("dev")
    overrides = SynthOverrides.from_environment(
        {"INFRA_BACKEND_STATE": "", "INFRA_BACKEND_TEARDOWN": ""}
    )
    assert overrides == SynthOverrides()
    assert overrides.applied_to(config) is config


def test_the_backend_state_is_overridden_and_nothing_else():
    config = load_config("dev")
    changed = SynthOverrides.from_environment({"INFRA_BACKEND_STATE": "s3"}).applied_to(config)
    assert changed.state.backend_stack_state == "s3"
    assert changed.model_dump(exclude={"state"}) == config.model_dump(exclude={"state"})
    assert changed.state.bucket == config.state.bucket


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"INFRA_BACKEND_STATE": "remote"},
            "INFRA_BACKEND_STATE: 'remote' is not allowed: one of local, s3, "
            "or unset to use state.backend_stack_state",
        ),
        (
            {"INFRA_BACKEND_TEARDOWN": "yes"},
            "INFRA_BACKEND_TEARDOWN: 'yes' is not allowed: '1' or unset "
            "(make destroy sets it after the backend's second confirmation)",
        ),
    ],
)
def test_bad_values_are_one_line(environ, message):
    with pytest.raises(ConfigError) as error:
        SynthOverrides.from_environment(environ)
    assert str(error.value) == message
