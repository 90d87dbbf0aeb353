"""Typed readers for settings taken from environment variables.

An empty variable counts as unset, so a Kubernetes manifest with `value: ""`
falls back to the default instead of producing an empty setting.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured

REQUIRED: Any = object()
"""Default meaning "no default": a missing variable raises ImproperlyConfigured."""

_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
_FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def _raw(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def _missing(name: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"The {name} environment variable is required but is not set.")


def env_str(name: str, default: str = REQUIRED) -> str:
    """Return the variable as a string."""
    value = _raw(name)
    if value is not None:
        return value
    if default is REQUIRED:
        raise _missing(name)
    return default


def env_bool(name: str, default: bool) -> bool:
    """Return the variable as a boolean (1/0, true/false, yes/no, on/off)."""
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE_WORDS:
        return True
    if value.lower() in _FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"The {name} environment variable must be true or false, not {value!r}."
    )


def env_int(name: str, default: int) -> int:
    """Return the variable as an integer."""
    value = _raw(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"The {name} environment variable must be an integer, not {value!r}."
        ) from None


def env_list(name: str, default: Sequence[str] = REQUIRED) -> list[str]:
    """Return the variable as a list of comma-separated, non-empty items."""
    value = _raw(name)
    items = [item.strip() for item in value.split(",") if item.strip()] if value else []
    if items:
        return items
    if default is REQUIRED:
        raise _missing(name)
    return list(default)
