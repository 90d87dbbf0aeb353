"""Where each stack's Terraform state lives: one home for the synth and for `make deploy`."""

from __future__ import annotations

from pathlib import PurePosixPath

from infra_config.model import EnvironmentConfig

LOCAL_STATE_DIR = "terraform-state"
"""Local state lives here, at the repository root, outside `cdktf.out` (which synth replaces)."""


def state_key(config: EnvironmentConfig, stack_name: str) -> str:
    """Object key of a stack's state in the state bucket: one per environment and stack."""
    return f"{config.project}/{config.environment}/{stack_name}.tfstate"


def local_state_file(config: EnvironmentConfig, stack_name: str) -> PurePosixPath:
    """A stack's local state file, relative to the repository root (only the backend stack's
    is used, before its state is migrated into the bucket and for its teardown)."""
    return PurePosixPath(LOCAL_STATE_DIR, config.environment, f"{stack_name}.tfstate")
