"""The AWS Load Balancer Controller add-on: it turns Ingresses of class `alb` into Application
Load Balancers (and LoadBalancer Services into Network Load Balancers). Pinned chart in
`kube-system`, its IRSA identity with the controller's upstream IAM policy, values as data.

The controller runs with the region and VPC given (the nodes' IMDSv2 hop limit of 1 keeps pods
from reading them from instance metadata) and tags every load balancer it creates with the
environment's tags. It finds subnets by their `kubernetes.io/role/elb` (public) and
`kubernetes.io/role/internal-elb` (private) tags, which the network stack sets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from constructs import Construct

from infra_constructs import rules
from infra_constructs.helm_addon import HelmAddon, HelmAddonProps, HelmChart
from infra_constructs.iam import policy_json
from infra_constructs.irsa import IrsaRole, service_account_role
from infra_constructs.load_balancer_controller_policy import load_balancer_controller_statements
from infra_constructs.rules import check_fields

LOAD_BALANCER_CONTROLLER_CHART = HelmChart(
    name="aws-load-balancer-controller", repository="https://aws.github.io/eks-charts"
)
CONTROLLER_SERVICE_ACCOUNT = "aws-load-balancer-controller"
"""The controller's service account, the only one its IAM role trusts."""
INGRESS_CLASS = "alb"
"""The IngressClass the chart creates; the app's and the platform's Ingresses name it."""
DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
"""HTTPS listeners accept TLS 1.3 and 1.2 only (AWS's recommended policy for ALBs)."""


@dataclass(frozen=True)
class LoadBalancerControllerAddonProps:
    """Properties of `LoadBalancerControllerAddon`.

    version: exact `aws-load-balancer-controller` chart version (required; the IAM policy in
        `load_balancer_controller_policy` is the one of this version).
    cluster_name: the EKS cluster, whose name the controller tags its resources with (required).
    role_name: the controller's IAM role (required).
    oidc_issuer_url: the cluster's OIDC issuer, whose IAM provider the role trusts (required).
    partition: the account's partition, for the policy's ARNs (required).
    region / vpc_id: where the load balancers are made (required).
    tags: tags of every load balancer and target group it creates (default none).
    replicas: controller pods (default 2: one leads, one stands by, and its webhooks, which
        every pod and Ingress admission calls, stay up during a node drain; a
        PodDisruptionBudget keeps one).
    namespace: where it runs (default `kube-system`).
    """

    version: str
    cluster_name: str
    role_name: str
    oidc_issuer_url: str
    partition: str
    region: str
    vpc_id: str
    tags: Mapping[str, str] = field(default_factory=dict)
    replicas: int = 2
    namespace: str = "kube-system"

    def __post_init__(self) -> None:
        check_fields(
            self,
            version=rules.chart_version,
            namespace=rules.kubernetes_name,
            replicas=rules.LOAD_BALANCER_CONTROLLER_REPLICAS.rule,
        )


class LoadBalancerControllerAddon:
    """The controller's IRSA role (trusting exactly `CONTROLLER_SERVICE_ACCOUNT` in the
    namespace) with the upstream policy, then the pinned chart with IngressClass
    `INGRESS_CLASS`. After `deploy`: `role`, `release`."""

    def __init__(self, *, props: LoadBalancerControllerAddonProps) -> None:
        self.props = props

    def deploy(self, scope: Construct) -> HelmAddon:
        props = self.props
        self.role: IrsaRole = service_account_role(
            scope,
            "aws-load-balancer-controller-role",
            role_name=props.role_name,
            oidc_issuer_url=props.oidc_issuer_url,
            namespace=props.namespace,
            service_account=CONTROLLER_SERVICE_ACCOUNT,
            inline_policy=policy_json(load_balancer_controller_statements(props.partition)),
        )
        self.release = HelmAddon(
            scope,
            "aws-load-balancer-controller",
            props=HelmAddonProps(
                chart=LOAD_BALANCER_CONTROLLER_CHART,
                version=props.version,
                namespace=props.namespace,
                values={
                    "clusterName": props.cluster_name,
                    "region": props.region,
                    "vpcId": props.vpc_id,
                    "replicaCount": props.replicas,
                    "podDisruptionBudget": {"maxUnavailable": 1} if props.replicas > 1 else {},
                    "serviceAccount": {
                        "create": True,
                        "name": CONTROLLER_SERVICE_ACCOUNT,
                        "annotations": {"eks.amazonaws.com/role-arn": self.role.role_arn},
                    },
                    "ingressClass": INGRESS_CLASS,
                    "createIngressClassResource": True,
                    "defaultSSLPolicy": DEFAULT_SSL_POLICY,
                    # Pods are VPC addresses (VPC CNI): the ALB sends to them directly, not
                    # through a node port on every node.
                    "defaultTargetType": "ip",
                    "defaultTags": dict(props.tags),
                    # A LoadBalancer Service without a loadBalancerClass stays with EKS's own
                    # service controller, as before this add-on; the controller takes only
                    # Ingresses and Services that name it.
                    "enableServiceMutatorWebhook": False,
                    "resources": {"requests": {"cpu": "50m", "memory": "128Mi"}},
                },
                timeout_seconds=600,
            ),
        )
        return self.release
