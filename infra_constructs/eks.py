"""An EKS cluster with encrypted secrets, full control-plane logging, IRSA and managed nodes."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cdktf import Fn, TerraformResourceLifecycle, Token
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_iam_session_context import DataAwsIamSessionContext
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
from cdktf_cdktf_provider_aws.eks_access_entry import EksAccessEntry
from cdktf_cdktf_provider_aws.eks_access_policy_association import (
    EksAccessPolicyAssociation,
    EksAccessPolicyAssociationAccessScope,
)
from cdktf_cdktf_provider_aws.eks_addon import EksAddon
from cdktf_cdktf_provider_aws.eks_cluster import (
    EksCluster,
    EksClusterAccessConfig,
    EksClusterEncryptionConfig,
    EksClusterEncryptionConfigProvider,
    EksClusterVpcConfig,
)
from cdktf_cdktf_provider_aws.eks_node_group import (
    EksNodeGroup,
    EksNodeGroupLaunchTemplate,
    EksNodeGroupScalingConfig,
    EksNodeGroupUpdateConfig,
)
from cdktf_cdktf_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.launch_template import (
    LaunchTemplate,
    LaunchTemplateBlockDeviceMappings,
    LaunchTemplateBlockDeviceMappingsEbs,
    LaunchTemplateMetadataOptions,
)
from constructs import Construct

from infra_constructs import rules
from infra_constructs.iam import managed_policy_arn, policy_json, service_trust_policy
from infra_constructs.irsa import IrsaRole, IrsaRoleProps
from infra_constructs.rules import check_fields

CONTROL_PLANE_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
"""Every EKS control-plane log type; all are sent to CloudWatch Logs."""

NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly")
"""AWS managed policies of the node role: join the cluster, pull images. Nothing else."""

IMDS_HOP_LIMIT = 1
"""Instance metadata answers the node only, not pods: pods get AWS credentials through IRSA."""


@dataclass(frozen=True)
class AddonIdentity:
    """The IRSA role of an EKS add-on: construct id and role-name suffix `role_id`, the
    `kube-system` service account it trusts, and one AWS managed `policy`."""

    role_id: str
    service_account: str
    policy: str


@dataclass(frozen=True)
class EksAddonSpec:
    """One EKS managed add-on, at EKS's default version for the cluster version.

    before_compute: created before the node groups (pods cannot start without it).
    identity: its IRSA role, if it calls AWS.
    configuration: its configuration values (JSON), if any.
    """

    name: str
    before_compute: bool = False
    identity: AddonIdentity | None = None
    configuration: Mapping[str, str] | None = None


EKS_ADDONS = (
    EksAddonSpec(
        "vpc-cni",
        before_compute=True,
        identity=AddonIdentity("vpc-cni-role", "aws-node", "AmazonEKS_CNI_Policy"),
        # Enforce Kubernetes NetworkPolicies (the app's chart ships some).
        configuration={"enableNetworkPolicy": "true"},
    ),
    EksAddonSpec("coredns"),
    EksAddonSpec("kube-proxy"),
    EksAddonSpec(
        "aws-ebs-csi-driver",
        identity=AddonIdentity(
            "ebs-csi-driver-role", "ebs-csi-controller-sa", "service-role/AmazonEBSCSIDriverPolicy"
        ),
    ),
)
"""The cluster's EKS add-ons, in creation order within each phase."""


@dataclass(frozen=True)
class NodeGroupProps:
    """One managed node group: `name`, `instance_types`, sizes, root volume, capacity type.

    `min_size <= desired_size <= max_size` and `min_size >= 1`; `disk_size_gib` is the gp3 root
    volume (default 50); `capacity_type` ON_DEMAND (default) or SPOT.
    """

    name: str
    instance_types: tuple[str, ...]
    min_size: int
    desired_size: int
    max_size: int
    disk_size_gib: int = 50
    capacity_type: str = "ON_DEMAND"

    def __post_init__(self) -> None:
        check_fields(self, name=rules.short_name)
        try:
            rules.node_group_sizes(self.min_size, self.desired_size, self.max_size)
        except ValueError as refused:
            raise ValueError(f"NodeGroupProps({self.name}): {refused}") from None


@dataclass(frozen=True)
class KubernetesClusterProps:
    """Properties of `KubernetesCluster`.

    cluster_name: EKS cluster name (required).
    version: Kubernetes version (required), e.g. "1.34".
    private_subnet_ids: subnets of the control-plane ENIs and of every node (required).
    node_groups: managed node groups (required, at least one).
    endpoint_public_access_cidrs: CIDRs allowed to reach the public API endpoint; empty
        (the default) turns the public endpoint off. The private endpoint is always on.
    admin_principal_arns: IAM roles/users given cluster admin through access entries
        (default none).
    deployer_admin: the identity that applies the stack (an assumed-role session resolved to
        its role) gets cluster admin through an access entry, unless it is already one of
        `admin_principal_arns` (default True). With False and no `admin_principal_arns`,
        nobody could reach the Kubernetes API: refused.
    log_retention_days: days control-plane logs are kept (default 90).
    """

    cluster_name: str
    version: str
    private_subnet_ids: list[str]
    node_groups: tuple[NodeGroupProps, ...]
    endpoint_public_access_cidrs: tuple[str, ...] = ()
    admin_principal_arns: tuple[str, ...] = ()
    deployer_admin: bool = True
    log_retention_days: int = 90

    def __post_init__(self) -> None:
        if not self.node_groups:
            raise ValueError("KubernetesClusterProps.node_groups: give at least one node group")
        check_fields(
            self,
            endpoint_public_access_cidrs=rules.endpoint_cidrs,
            admin_principal_arns=rules.iam_principal_arns,
        )
        try:
            rules.cluster_administrators(self.deployer_admin, self.admin_principal_arns)
        except ValueError as refused:
            raise ValueError(f"KubernetesClusterProps: {refused}") from None


class KubernetesCluster(Construct):
    """EKS control plane, IRSA, add-ons and managed node groups.

    - Secrets are envelope-encrypted with a customer-managed KMS key that rotates yearly.
    - The VPC CNI enforces NetworkPolicies.
    - All five control-plane log types go to `/aws/eks/<name>/cluster` (bounded retention).
    - Authentication mode API (access entries): the deployer (`deployer_admin`) and
      `admin_principal_arns` get cluster admin, nobody else; no implicit bootstrap admin.
    - Nodes run in the private subnets from a launch template requiring IMDSv2 with hop limit
      1 and an encrypted gp3 root volume. Node role: worker and ECR read-only policies only;
      the VPC CNI gets its own IRSA role.
    - Add-ons: vpc-cni before the node groups (pods need it to start), coredns, kube-proxy and
      aws-ebs-csi-driver (with its IRSA role) after them. Versions are EKS's defaults for the
      cluster version, so an upgrade of `version` moves them along.

    Attributes: `cluster_name`, `cluster_endpoint`, `cluster_certificate_authority_data`,
    `oidc_provider_arn`, `oidc_issuer_url`, `cluster_security_group_id`, `node_role_arn`.
    """

    def __init__(self, scope: Construct, id: str, *, props: KubernetesClusterProps) -> None:
        super().__init__(scope, id)
        self.props = props
        self.partition = DataAwsPartition(self, "partition").partition
        self.caller = DataAwsCallerIdentity(self, "account")
        account_id = self.caller.account_id

        # 1. Key: envelope encryption of Kubernetes secrets.
        secrets_key = self._secrets_key(account_id)
        # 2. Role of the control plane.
        cluster_policy = self._cluster_role()
        # 3. Cluster: private endpoint always, public only for listed CIDRs, every log type.
        cluster = self._cluster(secrets_key, cluster_policy)
        # 4. Access: access entries only, no implicit creator admin.
        self._access(cluster)
        # 5. IRSA: the OIDC provider pods' roles trust.
        self.oidc_issuer_url: str = cluster.identity.get(0).oidc.get(0).issuer
        oidc = IamOpenidConnectProvider(
            self, "oidc-provider", url=self.oidc_issuer_url, client_id_list=["sts.amazonaws.com"]
        )
        self.oidc_provider_arn: str = oidc.arn
        # 6. Node groups, after the add-ons pods need to start (the CNI).
        before_compute = self._addons(cluster, before_compute=True, depends_on=())
        node_role, node_policies = self._node_role()
        node_groups = [
            self._node_group(
                cluster,
                group,
                node_role,
                props.private_subnet_ids,
                depends_on=[*before_compute, *node_policies],
            )
            for group in props.node_groups
        ]
        # 7. Add-ons that run on nodes.
        self._addons(cluster, before_compute=False, depends_on=node_groups)

        self.cluster_name: str = cluster.name
        self.cluster_endpoint: str = cluster.endpoint
        self.cluster_certificate_authority_data: str = cluster.certificate_authority.get(0).data
        self.cluster_security_group_id: str = cluster.vpc_config.cluster_security_group_id
        self.node_role_arn: str = node_role.arn

    def _secrets_key(self, account_id: str) -> KmsKey:
        """A rotating customer-managed key with the key policy AWS would apply by default,
        written out: the account administers the key through IAM (EKS uses it through the
        cluster role's grant)."""
        name = self.props.cluster_name
        key = KmsKey(
            self,
            "secrets-key",
            description=f"Envelope encryption of {name} Kubernetes secrets",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=policy_json(
                [
                    {
                        "Sid": "AccountAdministersTheKeyThroughIam",
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:{self.partition}:iam::{account_id}:root"},
                        "Action": "kms:*",
                        "Resource": "*",
                    }
                ]
            ),
        )
        KmsAlias(
            self, "secrets-key-alias", name=f"alias/{name}-eks-secrets", target_key_id=key.key_id
        )
        return key

    def _cluster_role(self) -> IamRolePolicyAttachment:
        self.cluster_role = IamRole(
            self,
            "cluster-role",
            name=f"{self.props.cluster_name}-cluster",
            assume_role_policy=service_trust_policy("eks.amazonaws.com"),
        )
        return IamRolePolicyAttachment(
            self,
            "cluster-role-policy",
            role=self.cluster_role.name,
            policy_arn=managed_policy_arn(self.partition, "AmazonEKSClusterPolicy"),
        )

    def _cluster(self, secrets_key: KmsKey, cluster_policy: IamRolePolicyAttachment) -> EksCluster:
        props = self.props
        log_group = CloudwatchLogGroup(
            self,
            "control-plane-logs",
            name=f"/aws/eks/{props.cluster_name}/cluster",
            retention_in_days=props.log_retention_days,
        )
        return EksCluster(
            self,
            "cluster",
            name=props.cluster_name,
            version=props.version,
            role_arn=self.cluster_role.arn,
            vpc_config=EksClusterVpcConfig(
                subnet_ids=props.private_subnet_ids,
                endpoint_private_access=True,
                endpoint_public_access=bool(props.endpoint_public_access_cidrs),
                public_access_cidrs=list(props.endpoint_public_access_cidrs) or None,
            ),
            encryption_config=EksClusterEncryptionConfig(
                provider=EksClusterEncryptionConfigProvider(key_arn=secrets_key.arn),
                resources=["secrets"],
            ),
            enabled_cluster_log_types=list(CONTROL_PLANE_LOG_TYPES),
            access_config=EksClusterAccessConfig(
                authentication_mode="API",
                bootstrap_cluster_creator_admin_permissions=False,
            ),
            depends_on=[cluster_policy, log_group],
        )

    def _access(self, cluster: EksCluster) -> None:
        """Cluster admin, through an access entry, for the deployer (`deployer_admin`) and
        each of `admin_principal_arns`."""
        principals: list[tuple[str, str, dict[str, object]]] = []
        if self.props.deployer_admin:
            # The caller's ARN is an STS session for an assumed role; an access entry needs
            # the role. Both data sources are read at plan time, so `count` is known then.
            deployer = DataAwsIamSessionContext(self, "deployer-session", arn=self.caller.arn)
            listed = Fn.contains(list(self.props.admin_principal_arns), deployer.issuer_arn)
            count = Token.as_number(Fn.conditional(listed, 0, 1))
            principals.append(("deployer", deployer.issuer_arn, {"count": count}))
        for index, principal_arn in enumerate(self.props.admin_principal_arns):
            principals.append((f"admin-{index}", principal_arn, {}))
        for id, principal_arn, options in principals:
            entry = EksAccessEntry(
                self,
                id,
                cluster_name=cluster.name,
                principal_arn=principal_arn,
                type="STANDARD",
                **options,
            )
            EksAccessPolicyAssociation(
                self,
                f"{id}-policy",
                cluster_name=cluster.name,
                principal_arn=principal_arn,
                policy_arn=f"arn:{self.partition}:eks::aws:cluster-access-policy/"
                "AmazonEKSClusterAdminPolicy",
                access_scope=EksAccessPolicyAssociationAccessScope(type="cluster"),
                depends_on=[entry],
                **options,
            )

    def _addons(
        self, cluster: EksCluster, *, before_compute: bool, depends_on: Sequence[object]
    ) -> list[EksAddon]:
        """The `EKS_ADDONS` of one phase, each with its IRSA role where it has one."""
        created = []
        for addon in EKS_ADDONS:
            if addon.before_compute != before_compute:
                continue
            role = None
            if addon.identity is not None:
                role = IrsaRole(
                    self,
                    addon.identity.role_id,
                    props=IrsaRoleProps(
                        role_name=f"{self.props.cluster_name}-{addon.identity.role_id}",
                        oidc_provider_arn=self.oidc_provider_arn,
                        oidc_issuer_url=self.oidc_issuer_url,
                        namespace="kube-system",
                        service_account=addon.identity.service_account,
                        managed_policy_arns=(
                            managed_policy_arn(self.partition, addon.identity.policy),
                        ),
                    ),
                )
            created.append(
                EksAddon(
                    self,
                    addon.name,
                    cluster_name=cluster.name,
                    addon_name=addon.name,
                    service_account_role_arn=role.role_arn if role else None,
                    configuration_values=(
                        json.dumps(dict(addon.configuration)) if addon.configuration else None
                    ),
                    resolve_conflicts_on_create="OVERWRITE",
                    resolve_conflicts_on_update="OVERWRITE",
                    depends_on=list(depends_on) or None,
                )
            )
        return created

    def _node_role(self) -> tuple[IamRole, list[IamRolePolicyAttachment]]:
        """Node role: worker and ECR read-only policies only (the CNI has its own role)."""
        node_role = IamRole(
            self,
            "node-role",
            name=f"{self.props.cluster_name}-node",
            assume_role_policy=service_trust_policy("ec2.amazonaws.com"),
        )
        policies = [
            IamRolePolicyAttachment(
                self,
                f"node-role-{policy}",
                role=node_role.name,
                policy_arn=managed_policy_arn(self.partition, policy),
            )
            for policy in NODE_POLICIES
        ]
        return node_role, policies

    def _node_group(
        self,
        cluster: EksCluster,
        group: NodeGroupProps,
        node_role: IamRole,
        subnet_ids: list[str],
        depends_on: list,
    ) -> EksNodeGroup:
        template = LaunchTemplate(
            self,
            f"{group.name}-launch-template",
            name_prefix=f"{cluster.name}-{group.name}-",
            update_default_version=True,
            metadata_options=LaunchTemplateMetadataOptions(
                http_endpoint="enabled",
                http_tokens="required",
                http_put_response_hop_limit=IMDS_HOP_LIMIT,
            ),
            block_device_mappings=[
                LaunchTemplateBlockDeviceMappings(
                    device_name="/dev/xvda",
                    ebs=LaunchTemplateBlockDeviceMappingsEbs(
                        volume_size=group.disk_size_gib,
                        volume_type="gp3",
                        encrypted="true",
                        delete_on_termination="true",
                    ),
                )
            ],
        )
        return EksNodeGroup(
            self,
            f"{group.name}-nodes",
            cluster_name=cluster.name,
            node_group_name=group.name,
            node_role_arn=node_role.arn,
            subnet_ids=subnet_ids,
            instance_types=list(group.instance_types),
            capacity_type=group.capacity_type,
            scaling_config=EksNodeGroupScalingConfig(
                min_size=group.min_size, desired_size=group.desired_size, max_size=group.max_size
            ),
            update_config=EksNodeGroupUpdateConfig(max_unavailable=1),
            launch_template=EksNodeGroupLaunchTemplate(
                id=template.id, version=Token.as_string(template.latest_version)
            ),
            lifecycle=TerraformResourceLifecycle(ignore_changes=["scaling_config[0].desired_size"]),
            depends_on=depends_on,
        )
