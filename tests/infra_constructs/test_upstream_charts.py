"""The platform's chart values against the upstream charts: every key we set exists there,
and the Argo CD objects validate against the Argo CD CRDs.

The upstream files are read from $UPSTREAM_CHART_DATA (default ../shared/upstream beside the
repository); without them these tests skip and say so.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
import yaml

from synth_helpers import REPO_ROOT, SHIPPED_ENVIRONMENTS, helm_values

UPSTREAM = Path(os.environ.get("UPSTREAM_CHART_DATA") or REPO_ROOT.parent / "shared" / "upstream")

# (helm release name, upstream values file): the chart versions are those pinned in config.
RELEASE_VALUES = {
    "jenkins": "jenkins-5.9.53.values.yaml",
    "argocd": "argo-cd-10.1.1.values.yaml",
    "django-app-application": "argocd-apps-2.0.5.values.yaml",
}


def upstream_file(name: str) -> Path:
    path = UPSTREAM / name
    if not path.is_file():
        pytest.skip(
            f"upstream chart data {path} not found: set UPSTREAM_CHART_DATA to the "
            "directory holding it (README, 'Upstream chart data')"
        )
    return path


def undeclared_keys(ours: dict, upstream: dict, path: str = "") -> Iterator[str]:
    """Keys of `ours` that `upstream` does not declare, descending only where upstream
    declares structure (a non-empty mapping); empty or scalar upstream values are free-form."""
    for key, value in ours.items():
        where = f"{path}.{key}" if path else str(key)
        if key not in upstream:
            yield where
        elif isinstance(value, dict) and isinstance(upstream[key], dict) and upstream[key]:
            yield from undeclared_keys(value, upstream[key], where)


def test_pinned_chart_versions_match_the_upstream_files(dev):
    for release in dev.stacks["platform"]["resource"]["helm_release"].values():
        expected = RELEASE_VALUES[release["name"]]
        assert expected == f"{release['chart']}-{release['version']}.values.yaml"


@pytest.mark.parametrize("environment", SHIPPED_ENVIRONMENTS)
@pytest.mark.parametrize("release", sorted(RELEASE_VALUES))
def test_every_values_key_exists_upstream(synth, environment, release):
    upstream = yaml.safe_load(upstream_file(RELEASE_VALUES[release]).read_text())
    ours = helm_values(synth(environment).stacks["platform"], release)
    assert list(undeclared_keys(ours, upstream)) == []


def test_the_key_check_catches_a_misspelt_key():
    upstream = {"controller": {"admin": {"existingSecret": ""}, "JCasC": {"configScripts": {}}}}
    ours = {
        "controller": {
            "admin": {"existingSecrets": "x"},
            "JCasC": {"configScripts": {"anything": "free-form"}},
        }
    }
    assert list(undeclared_keys(ours, upstream)) == ["controller.admin.existingSecrets"]


def crd_schema(file_name: str) -> dict:
    crd = yaml.safe_load(upstream_file(file_name).read_text())
    [version] = [v for v in crd["spec"]["versions"] if v["name"] == "v1alpha1"]
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


METADATA_KEYS = ("namespace", "additionalLabels", "additionalAnnotations", "finalizers")


def rendered_objects(values: dict, section: str, kind: str) -> list[dict]:
    """The objects argocd-apps renders from `values[section]`, as its templates do: the
    metadata keys go to metadata, everything else is the spec."""
    objects = []
    for name, item in values.get(section, {}).items():
        metadata = {"name": name, "namespace": item["namespace"]}
        if item.get("finalizers"):
            metadata["finalizers"] = item["finalizers"]
        spec = {key: value for key, value in item.items() if key not in METADATA_KEYS}
        objects.append(
            {"apiVersion": "argoproj.io/v1alpha1", "kind": kind, "metadata": metadata, "spec": spec}
        )
    return objects


@pytest.mark.parametrize("environment", SHIPPED_ENVIRONMENTS)
@pytest.mark.parametrize(
    ("section", "kind", "crd_file"),
    [
        ("applications", "Application", "argo-cd-10.1.1.crd-application.yaml"),
        ("projects", "AppProject", "argo-cd-10.1.1.crd-appproject.yaml"),
    ],
)
def test_argocd_objects_validate_against_the_crd(synth, environment, section, kind, crd_file):
    schema = crd_schema(crd_file)
    values = helm_values(synth(environment).stacks["platform"], "django-app-application")
    objects = rendered_objects(values, section, kind)
    assert len(objects) == 1
    for manifest in objects:
        jsonschema.validate(manifest, schema)


def test_the_crd_check_catches_a_misspelt_field():
    schema = crd_schema("argo-cd-10.1.1.crd-application.yaml")
    manifest = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "x"},
        "spec": {
            "project": "p",
            "destination": {"namespace": "n"},
            "syncPolicy": {"automated": {"selfheal": True}},
        },
    }
    with pytest.raises(jsonschema.ValidationError, match="'selfheal' was unexpected"):
        jsonschema.validate(manifest, schema)
