"""The Cluster Autoscaler add-on: it grows a managed node group when pods stay Pending for want
of room, and shrinks it when nodes stay underused, within each group's min and max size. Pinned
chart in `kube-system`, its IRSA identity, values as data.

It finds the node groups by the tags EKS puts on every managed node group's Auto Scaling group
(`k8s.io/cluster-autoscaler/enabled` and `k8s.io/cluster-autoscaler/<cluster>`), so nothing is
listed twice; and it may change only the groups tagged as this cluster's.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from infra_constructs import rules
from infra_constructs.helm_addon import HelmAddon, HelmAddonProps, HelmChart
from infra_constructs.iam import policy_json
from infra_constructs.irsa import IrsaRole, service_account_role
from infra_constructs.rules import check_fields

CLUSTER_AUTOSCALER_CHART = HelmChart(
    name="cluster-autoscaler", repository="https://kubernetes.github.io/autoscaler"
)
AUTOSCALER_SERVICE_ACCOUNT = "cluster-autoscaler"
"""The autoscaler's service account, the only one its IAM role trusts."""

AUTOSCALER_IMAGE_TAGS = {
    "1.32": "v1.32.0",
    "1.33": "v1.33.0",
    "1.34": "v1.34.0",
    "1.35": "v1.35.0",
}
"""Cluster Autoscaler release per Kubernetes minor version: upstream supports each release
only with the control plane of its own minor version (chart 9.59.0 defaults to v1.35.0)."""

READ_ACTIONS = (
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeAutoScalingInstances",
    "autoscaling:DescribeLaunchConfigurations",
    "autoscaling:DescribeScalingActivities",
    "autoscaling:DescribeTags",
    "ec2:DescribeImages",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:GetInstanceTypesFromInstanceRequirements",
)
"""What the AWS cloud provider reads (kubernetes/autoscaler
`cluster-autoscaler/cloudprovider/aws/README.md`, "Minimal IAM Permissions Policy"). These
calls take no resource ARN, so IAM grants them only on `*`."""
WRITE_ACTIONS = (
    "autoscaling:SetDesiredCapacity",
    "autoscaling:TerminateInstanceInAutoScalingGroup",
)
"""What it changes: allowed only on Auto Scaling groups tagged as this cluster's."""


def cluster_autoscaler_statements(
    *, partition: str, region: str, account_id: str, cluster_name: str
) -> list[dict]:
    """The autoscaler's IAM policy: the reads, the two writes on this cluster's groups only
    (by their auto-discovery tags), and `eks:DescribeNodegroup` on this cluster's groups."""
    return [
        {
            "Sid": "ReadScalingGroups",
            "Effect": "Allow",
            "Action": list(READ_ACTIONS),
            "Resource": "*",
        },
        {
            "Sid": "ScaleThisClustersGroups",
            "Effect": "Allow",
            "Action": list(WRITE_ACTIONS),
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true",
                    f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned",
                }
            },
        },
        {
            "Sid": "DescribeThisClustersNodeGroups",
            "Effect": "Allow",
            "Action": ["eks:DescribeNodegroup"],
            "Resource": f"arn:{partition}:eks:{region}:{account_id}:nodegroup/{cluster_name}/*/*",
        },
    ]


@dataclass(frozen=True)
class ClusterAutoscalerAddonProps:
    """Properties of `ClusterAutoscalerAddon`.

    version: exact `cluster-autoscaler` chart version (required).
    kubernetes_version: the cluster's minor version, which picks the autoscaler release from
        `AUTOSCALER_IMAGE_TAGS` (required).
    cluster_name / region / account_id / partition: the cluster whose groups it scales, and
        the account's coordinates for the policy's ARNs (required).
    role_name: the autoscaler's IAM role (required).
    oidc_issuer_url: the cluster's OIDC issuer, whose IAM provider the role trusts (required).
    expander: which group grows when several could (default `least-waste`: the one left with
        the least idle CPU and memory).
    scale_down_unneeded_minutes: how long a node stays underused before it is removed
        (default 10).
    scale_down_utilization_threshold: below this share of requested CPU and memory a node is
        underused (default 0.5).
    namespace: where it runs (default `kube-system`).
    """

    version: str
    kubernetes_version: str
    cluster_name: str
    region: str
    account_id: str
    partition: str
    role_name: str
    oidc_issuer_url: str
    expander: rules.AutoscalerExpander = "least-waste"
    scale_down_unneeded_minutes: int = 10
    scale_down_utilization_threshold: float = 0.5
    namespace: str = "kube-system"

    def __post_init__(self) -> None:
        check_fields(
            self,
            version=rules.chart_version,
            namespace=rules.kubernetes_name,
            scale_down_unneeded_minutes=rules.SCALE_DOWN_UNNEEDED_MINUTES.rule,
            scale_down_utilization_threshold=rules.SCALE_DOWN_UTILIZATION_THRESHOLD.rule,
        )
        if self.kubernetes_version not in AUTOSCALER_IMAGE_TAGS:
            raise ValueError(
                "ClusterAutoscalerAddonProps.kubernetes_version: "
                f"{self.kubernetes_version!r} has no Cluster Autoscaler release here; use one "
                f"of {', '.join(AUTOSCALER_IMAGE_TAGS)}"
            )


class ClusterAutoscalerAddon:
    """The autoscaler's IRSA role (trusting exactly `AUTOSCALER_SERVICE_ACCOUNT` in the
    namespace), then the pinned chart discovering this cluster's node groups by tag.
    After `deploy`: `role`, `release`."""

    def __init__(self, *, props: ClusterAutoscalerAddonProps) -> None:
        self.props = props

    def deploy(self, scope: Construct) -> HelmAddon:
        props = self.props
        self.role: IrsaRole = service_account_role(
            scope,
            "cluster-autoscaler-role",
            role_name=props.role_name,
            oidc_issuer_url=props.oidc_issuer_url,
            namespace=props.namespace,
            service_account=AUTOSCALER_SERVICE_ACCOUNT,
            inline_policy=policy_json(
                cluster_autoscaler_statements(
                    partition=props.partition,
                    region=props.region,
                    account_id=props.account_id,
                    cluster_name=props.cluster_name,
                )
            ),
        )
        self.release = HelmAddon(
            scope,
            "cluster-autoscaler",
            props=HelmAddonProps(
                chart=CLUSTER_AUTOSCALER_CHART,
                version=props.version,
                namespace=props.namespace,
                values={
                    "cloudProvider": "aws",
                    "awsRegion": props.region,
                    "autoDiscovery": {"clusterName": props.cluster_name},
                    "image": {"tag": AUTOSCALER_IMAGE_TAGS[props.kubernetes_version]},
                    "rbac": {
                        "serviceAccount": {
                            "create": True,
                            "name": AUTOSCALER_SERVICE_ACCOUNT,
                            "annotations": {"eks.amazonaws.com/role-arn": self.role.role_arn},
                        }
                    },
                    "customArgs": [
                        f"--expander={props.expander}",
                        # Node groups of the same instance shape across zones grow together,
                        # so one zone does not end up with every new node.
                        "--balance-similar-node-groups=true",
                        # kube-system pods without a PodDisruptionBudget (CoreDNS has one) do
                        # not pin a node forever.
                        "--skip-nodes-with-system-pods=false",
                        f"--scale-down-unneeded-time={props.scale_down_unneeded_minutes}m",
                        "--scale-down-utilization-threshold="
                        f"{props.scale_down_utilization_threshold}",
                    ],
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": 65534,
                        "runAsGroup": 65534,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containerSecurityContext": {
                        "allowPrivilegeEscalation": False,
                        "capabilities": {"drop": ["ALL"]},
                        "readOnlyRootFilesystem": True,
                    },
                    "resources": {"requests": {"cpu": "50m", "memory": "300Mi"}},
                },
                timeout_seconds=600,
            ),
        )
        return self.release
