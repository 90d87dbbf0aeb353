"""Helpers shared by the infrastructure tests (fixtures live in conftest.py).

A uniquely named module: other test folders have conftest.py files of their own, so
`from conftest import ...` would be ambiguous.
"""

from __future__ import annotations

import copy
import functools
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_ENVIRONMENTS = ("dev", "prod")


@functools.cache
def app_stacks() -> dict[str, frozenset[str]]:
    """Every stack main.py builds (for dev), by name in build order, with the providers it
    configures ("aws", "helm", ...): derived from the app itself, built but not synthesized.
    A new stack in main.py is therefore tested (and needs a snapshot) without a list to edit."""
    from cdktf import TerraformProvider, TerraformStack

    from infra_config import load_config
    from main import build_app

    app = build_app(load_config("dev"))
    return {
        stack.node.id: frozenset(
            child.terraform_resource_type
            for child in stack.node.children
            if isinstance(child, TerraformProvider)
        )
        for stack in app.node.children
        if isinstance(stack, TerraformStack)
    }


@functools.cache
def kubernetes_version() -> str:
    """The Kubernetes version manifests are validated against: the clusters' `cluster.version`
    (the same in every shipped environment)."""
    from infra_config import load_config

    [version] = {load_config(environment).cluster.version for environment in SHIPPED_ENVIRONMENTS}
    return version


def stack_names() -> tuple[str, ...]:
    """Every stack main.py builds, in build order."""
    return tuple(app_stacks())


@dataclass(frozen=True)
class SynthResult:
    """What `app.synth()` wrote: the manifest and each stack's Terraform JSON, by stack name."""

    outdir: Path
    manifest: dict
    stacks: dict[str, dict]


def synthesize(environment: str, outdir: Path) -> SynthResult:
    """Build the real app for `environment` (as main.py does) and synthesize it into `outdir`."""
    from infra_config import load_config

    return synthesize_config(load_config(environment), outdir)


def variant_config(environment: str, **changes):
    """The shipped `environment` with `changes` ({dotted path with '__' for '.': value}, see
    `set_path`) applied and validated as a config file would be."""
    from infra_config import EnvironmentConfig

    data = shipped_config(environment)
    for path, value in changes.items():
        data = set_path(data, path.replace("__", "."), value)
    return EnvironmentConfig.model_validate(data, context={"environment": environment})


def synthesize_variant(environment: str, outdir: Path, **changes) -> SynthResult:
    """`variant_config(environment, **changes)` synthesized into `outdir`."""
    return synthesize_config(variant_config(environment, **changes), outdir)


def synthesize_config(config, outdir: Path) -> SynthResult:
    """Build the real app for `config` (as main.py does) and synthesize it into `outdir`."""
    from main import build_app

    build_app(config, str(outdir)).synth()
    manifest = json.loads((outdir / "manifest.json").read_text())
    stacks = {
        name: json.loads((outdir / stack["synthesizedStackPath"]).read_text())
        for name, stack in manifest["stacks"].items()
    }
    return SynthResult(outdir=outdir, manifest=manifest, stacks=stacks)


def resources(stack: dict, resource_type: str) -> list[dict]:
    """All resources of one Terraform type in a synthesized stack."""
    return list(stack.get("resource", {}).get(resource_type, {}).values())


def only_resource(stack: dict, resource_type: str) -> dict:
    """The single resource of `resource_type`; fails when there is not exactly one."""
    found = resources(stack, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {len(found)}"
    return found[0]


def synth_construct(build) -> str:
    """Synthesize one construct alone: `build(stack)` adds it to an empty test stack."""
    from cdktf import TerraformStack, Testing

    stack = TerraformStack(Testing.app(), "test")
    build(stack)
    return Testing.synth(stack)


def has_resource(synthesized: str, resource_type: str, properties: dict) -> bool:
    """cdktf's matcher: some resource of the type has (at least) these properties."""
    from cdktf import Testing

    return Testing.to_have_resource_with_properties(synthesized, resource_type, properties)


def shipped_config(environment: str = "dev") -> dict:
    """The shipped `config/<environment>.yaml` as plain data, to derive broken variants from."""
    return yaml.safe_load((REPO_ROOT / "config" / f"{environment}.yaml").read_text())


def set_path(data: dict, path: str, value) -> dict:
    """A deep copy of `data` with the dotted `path` (list indexes as numbers) set to `value`;
    missing mappings on the way are created."""
    data = copy.deepcopy(data)
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    target = data
    for part in parents:
        target = target[part] if isinstance(part, int) else target.setdefault(part, {})
    target[last] = value
    return data


def helm_values(stack: dict, release_name: str) -> dict:
    """The values (parsed YAML) of the helm_release named `release_name`."""
    [release] = [r for r in resources(stack, "helm_release") if r["name"] == release_name]
    [values] = release["values"]
    return yaml.safe_load(values)


class ConfigDir:
    """A copy of config/ in a temporary directory, which INFRA_CONFIG_DIR points at."""

    def __init__(self, path, monkeypatch):
        self.path = path
        for source in (REPO_ROOT / "config").glob("*.yaml"):
            shutil.copy(source, path / source.name)
        monkeypatch.setenv("INFRA_CONFIG_DIR", str(path))

    def edit(self, environment: str, **changes) -> None:
        """Set `changes` ({'section__key': value}) in `<environment>.yaml`."""
        file = self.path / f"{environment}.yaml"
        data = yaml.safe_load(file.read_text())
        for dotted, value in changes.items():
            *parents, key = dotted.split("__")
            node = data
            for parent in parents:
                node = node.setdefault(parent, {})
            node[key] = value
        file.write_text(yaml.safe_dump(data))

    def load(self, environment: str):
        from infra_config import load_config

        return load_config(environment, self.path)
