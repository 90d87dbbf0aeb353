"""The metrics-server add-on: the resource metrics API (`metrics.k8s.io`) that the
HorizontalPodAutoscaler and `kubectl top` read. Pinned chart, in `kube-system`, no AWS identity
(it only talks to the kubelets)."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from infra_constructs import rules
from infra_constructs.helm_addon import HelmAddon, HelmAddonProps, HelmChart
from infra_constructs.rules import check_fields

METRICS_SERVER_CHART = HelmChart(
    name="metrics-server", repository="https://kubernetes-sigs.github.io/metrics-server/"
)


@dataclass(frozen=True)
class MetricsServerAddonProps:
    """Properties of `MetricsServerAddon`.

    version: exact `metrics-server` chart version (required).
    namespace: where it runs (default `kube-system`, which EKS creates; the chart's pods run as
        non-root, read-only, without capabilities, with `system-cluster-critical` priority).
    replicas: how many run (default 2, spread by a PodDisruptionBudget that keeps one up
        during node drains, so autoscaling never loses its metrics).
    """

    version: str
    namespace: str = "kube-system"
    replicas: int = 2

    def __post_init__(self) -> None:
        check_fields(self, version=rules.chart_version, namespace=rules.kubernetes_name)
        if not 1 <= self.replicas <= 10:
            raise ValueError(
                f"MetricsServerAddonProps.replicas: {self.replicas} must be between 1 and 10"
            )


class MetricsServerAddon:
    """The pinned chart with `replicas` replicas and a PodDisruptionBudget (minAvailable 1)
    when there is more than one. After `deploy`: `release`."""

    def __init__(self, *, props: MetricsServerAddonProps) -> None:
        self.props = props

    def deploy(self, scope: Construct) -> HelmAddon:
        props = self.props
        self.release = HelmAddon(
            scope,
            "metrics-server",
            props=HelmAddonProps(
                chart=METRICS_SERVER_CHART,
                version=props.version,
                namespace=props.namespace,
                values={
                    "replicas": props.replicas,
                    "podDisruptionBudget": {
                        "enabled": props.replicas > 1,
                        "minAvailable": 1,
                    },
                },
                timeout_seconds=300,
            ),
        )
        return self.release
