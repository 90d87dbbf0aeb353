"""Helm values as plain data: Helm's layering (deep merge) and readable YAML. No cdktf here,
so tools that only render charts stay light."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml


class _ValuesDumper(yaml.SafeDumper):
    """YAML for people: no anchors/aliases, multi-line strings as literal blocks."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_ValuesDumper.add_representer(str, _represent_str)


def values_yaml(values: Mapping[str, Any]) -> str:
    """Chart values as YAML, keys in the order given."""
    return yaml.dump(dict(values), Dumper=_ValuesDumper, sort_keys=False)


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `override` merged in: nested mappings merge, other values replace."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
