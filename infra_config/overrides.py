"""What `make deploy`/`make destroy` tell a synth through the environment, beside the YAML.

The deploy tool (`deployment`) decides where the backend stack's state is from what exists, and
synthesizes the backend for that place without anyone editing `state.backend_stack_state`; for
the teardown it lifts the backend's `prevent_destroy`, only after its second confirmation. Both
names live here, read by main.py and set by `deployment.cdktf`.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass

from infra_config.loader import ConfigError
from infra_config.model import EnvironmentConfig, StateSettings

BACKEND_STATE_VARIABLE = "INFRA_BACKEND_STATE"
"""Overrides `state.backend_stack_state` (same values) for one synth."""

BACKEND_TEARDOWN_VARIABLE = "INFRA_BACKEND_TEARDOWN"
"""`1`: the backend's bucket and table are synthesized without `prevent_destroy`."""

BACKEND_STATES: tuple[str, ...] = typing.get_args(
    StateSettings.model_fields["backend_stack_state"].annotation
)


@dataclass(frozen=True)
class SynthOverrides:
    """The overrides of one synth, read from the process environment."""

    backend_stack_state: str | None = None
    backend_teardown: bool = False

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> SynthOverrides:
        """Raises `ConfigError` (one line: variable, value, what is allowed) on a bad value;
        unset or empty variables override nothing."""
        state = environ.get(BACKEND_STATE_VARIABLE) or None
        if state is not None and state not in BACKEND_STATES:
            raise ConfigError(
                f"{BACKEND_STATE_VARIABLE}: {state[:40]!r} is not allowed: one of "
                f"{', '.join(BACKEND_STATES)}, or unset to use state.backend_stack_state"
            )
        teardown = environ.get(BACKEND_TEARDOWN_VARIABLE) or ""
        if teardown not in ("", "1"):
            raise ConfigError(
                f"{BACKEND_TEARDOWN_VARIABLE}: {teardown[:40]!r} is not allowed: '1' or unset "
                "(make destroy sets it after the backend's second confirmation)"
            )
        return cls(backend_stack_state=state, backend_teardown=teardown == "1")

    def applied_to(self, config: EnvironmentConfig) -> EnvironmentConfig:
        """`config` with `state.backend_stack_state` overridden, if it is."""
        if self.backend_stack_state is None:
            return config
        state = config.state.model_copy(update={"backend_stack_state": self.backend_stack_state})
        return config.model_copy(update={"state": state})
