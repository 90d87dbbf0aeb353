"""Typed, validated configuration: one YAML file per environment under `config/`."""

from infra_config.loader import (
    CONFIG_DIR,
    DEFAULT_ENVIRONMENT,
    ConfigError,
    available_environments,
    load_config,
)
from infra_config.model import EnvironmentConfig

__all__ = [
    "CONFIG_DIR",
    "DEFAULT_ENVIRONMENT",
    "ConfigError",
    "EnvironmentConfig",
    "available_environments",
    "load_config",
]
