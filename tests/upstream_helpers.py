"""The upstream chart data (`../shared/upstream`, or $UPSTREAM_CHART_DATA) for the tests: its
files, and the CRD schemas in it made strict. A test that needs a missing file is skipped with
the reason (README, "Upstream chart data")."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from synth_helpers import REPO_ROOT

UPSTREAM = Path(os.environ.get("UPSTREAM_CHART_DATA") or REPO_ROOT.parent / "shared" / "upstream")


def upstream_file(name: str) -> Path:
    path = UPSTREAM / name
    if not path.is_file():
        pytest.skip(
            f"upstream chart data {path} not found: set UPSTREAM_CHART_DATA to the "
            "directory holding it (README, 'Upstream chart data')"
        )
    return path


def crd_schema(file_name: str, version_name: str = "v1alpha1") -> dict:
    crd = yaml.safe_load(upstream_file(file_name).read_text())
    [version] = [v for v in crd["spec"]["versions"] if v["name"] == version_name]
    return strict(version["schema"]["openAPIV3Schema"])


def strict(schema: dict) -> dict:
    """The schema with unknown fields refused wherever it lists properties: the API server would
    silently prune a misspelt field, so the test must not let one through."""
    schema = dict(schema)
    if (
        "properties" in schema
        and "additionalProperties" not in schema
        and not schema.get("x-kubernetes-preserve-unknown-fields")
    ):
        schema["additionalProperties"] = False
    for key in ("properties", "patternProperties"):
        if key in schema:
            schema[key] = {name: strict(sub) for name, sub in schema[key].items()}
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            schema[key] = strict(schema[key])
    return schema
