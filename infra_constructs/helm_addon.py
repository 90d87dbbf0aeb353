"""A Helm add-on: one pinned chart release with deep-merged values (cdk-eks-blueprints style)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_helm.release import Release
from constructs import Construct

from infra_constructs import rules
from infra_constructs.chart_values import values_yaml
from infra_constructs.rules import check_fields

_LITERAL_TEMPLATE = re.compile(r"\$\{(?!TfToken\[)")


@dataclass(frozen=True)
class HelmChart:
    """Where a chart comes from: its name and repository URL, or (`repository` None) the path
    of a chart directory as the helm provider opens it."""

    name: str
    repository: str | None


@dataclass(frozen=True)
class HelmAddonProps:
    """Properties of `HelmAddon`.

    chart: the chart and its repository (required).
    version: exact chart version, e.g. "5.9.53" (required; ranges are refused).
    namespace: namespace of the release (required; created elsewhere, labelled for Pod
        Security, so the release does not create it).
    release_name: Helm release name (default: the chart name).
    values: the add-on's values as plain data (default none).
    timeout_seconds: how long Terraform waits for the release to become ready (default 900).
    depends_on: what must exist before the release (default nothing).
    """

    chart: HelmChart
    version: str
    namespace: str
    release_name: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    timeout_seconds: int = 900
    depends_on: Sequence[ITerraformDependable] = ()

    def __post_init__(self) -> None:
        check_fields(self, version=rules.chart_version, namespace=rules.kubernetes_name)


class HelmAddon(Construct):
    """A `helm_release` of one pinned chart; values are emitted as YAML from typed data.

    The release is atomic (a failed install or upgrade rolls back), waits for its resources,
    and cleans up on failure. Attributes: `release`, `values`.
    """

    def __init__(self, scope: Construct, id: str, *, props: HelmAddonProps) -> None:
        super().__init__(scope, id)
        self.values: dict[str, Any] = dict(props.values)
        self.release = Release(
            self,
            "release",
            name=props.release_name or props.chart.name,
            chart=props.chart.name,
            repository=props.chart.repository,
            version=props.version,
            namespace=props.namespace,
            values=[escape_terraform_templates(values_yaml(self.values))],
            atomic=True,
            wait=True,
            cleanup_on_fail=True,
            timeout=props.timeout_seconds,
            depends_on=list(props.depends_on) or None,
        )


def escape_terraform_templates(text: str) -> str:
    """`${...}` meant for the chart (JCasC's `${secret-key}`) escaped as `$${...}`, so that
    Terraform passes it through; cdktf's own token placeholders are left for cdktf to resolve."""
    return _LITERAL_TEMPLATE.sub("$${", text)
