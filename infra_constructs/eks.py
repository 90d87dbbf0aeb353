"""An EKS cluster with encrypted secrets, full control-plane logging, IRSA and managed nodes."""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle, Token
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
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

from infra_constructs.iam import managed_policy_arn, policy_json, service_trust_policy
from infra_constructs.irsa import IrsaRole, IrsaRoleProps

CONTROL_PLANE_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
"""Every EKS control-plane log type; all are sent to CloudWatch Logs."""

IMDS_HOP_LIMIT = 1
"""Instance metadata answers the node only, not pods: pods get AWS credentials through IRSA."""


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
        if not 1 <= self.min_size <= self.desired_size <= self.max_size:
            raise ValueError(
                f"NodeGroupProps({self.name}): sizes must satisfy 1 <= min_size <= desired_size "
                f"<= max_size, got {self.min_size}, {self.desired_size}, {self.max_size}"
            )


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
        (default none: add them, since the creator gets no implicit admin).
    log_retention_days: days control-plane logs are kept (default 90).
    """

    cluster_name: str
    version: str
    private_subnet_ids: list[str]
    node_groups: tuple[NodeGroupProps, ...]
    endpoint_public_access_cidrs: tuple[str, ...] = ()
    admin_principal_arns: tuple[str, ...] = ()
    log_retention_days: int = 90

    def __post_init__(self) -> None:
        if not self.node_groups:
            raise ValueError("KubernetesClusterProps.node_groups: give at least one node group")
        if (
            "0.0.0.0/0" in self.endpoint_public_access_cidrs
            and len(self.endpoint_public_access_cidrs) > 1
        ):
            raise ValueError(
                "KubernetesClusterProps.endpoint_public_access_cidrs: 0.0.0.0/0 makes the "
                "other CIDRs meaningless; list only the ranges you mean"
            )


class KubernetesCluster(Construct):
    """EKS control plane, IRSA, add-ons and managed node groups.

    - Secrets are envelope-encrypted with a customer-managed KMS key that rotates yearly.
    - The VPC CNI enforces NetworkPolicies.
    - All five control-plane log types go to `/aws/eks/<name>/cluster` (bounded retention).
    - Authentication mode API (access entries); the creator gets no bootstrap admin rights.
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
        partition = DataAwsPartition(self, "partition").partition
        account_id = DataAwsCallerIdentity(self, "account").account_id
        name = props.cluster_name

        # The key policy AWS would apply by default, written out: the account administers the
        # key through IAM (EKS uses it through the cluster role's grant).
        secrets_key = KmsKey(
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
                        "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                        "Action": "kms:*",
                        "Resource": "*",
                    }
                ]
            ),
        )
        KmsAlias(
            self,
            "secrets-key-alias",
            name=f"alias/{name}-eks-secrets",
            target_key_id=secrets_key.key_id,
        )
        log_group = CloudwatchLogGroup(
            self,
            "control-plane-logs",
            name=f"/aws/eks/{name}/cluster",
            retention_in_days=props.log_retention_days,
        )

        cluster_role = IamRole(
            self,
            "cluster-role",
            name=f"{name}-cluster",
            assume_role_policy=service_trust_policy("eks.amazonaws.com"),
        )
        cluster_policy = IamRolePolicyAttachment(
            self,
            "cluster-role-policy",
            role=cluster_role.name,
            policy_arn=managed_policy_arn(partition, "AmazonEKSClusterPolicy"),
        )

        cluster = EksCluster(
            self,
            "cluster",
            name=name,
            version=props.version,
            role_arn=cluster_role.arn,
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
        for index, principal_arn in enumerate(props.admin_principal_arns):
            entry = EksAccessEntry(
                self,
                f"admin-{index}",
                cluster_name=cluster.name,
                principal_arn=principal_arn,
                type="STANDARD",
            )
            EksAccessPolicyAssociation(
                self,
                f"admin-{index}-policy",
                cluster_name=cluster.name,
                principal_arn=entry.principal_arn,
                policy_arn=f"arn:{partition}:eks::aws:cluster-access-policy/"
                "AmazonEKSClusterAdminPolicy",
                access_scope=EksAccessPolicyAssociationAccessScope(type="cluster"),
            )

        issuer_url = cluster.identity.get(0).oidc.get(0).issuer
        oidc = IamOpenidConnectProvider(
            self, "oidc-provider", url=issuer_url, client_id_list=["sts.amazonaws.com"]
        )

        def irsa(id: str, namespace: str, service_account: str, policy: str) -> IrsaRole:
            return IrsaRole(
                self,
                id,
                props=IrsaRoleProps(
                    role_name=f"{name}-{id}",
                    oidc_provider_arn=oidc.arn,
                    oidc_issuer_url=issuer_url,
                    namespace=namespace,
                    service_account=service_account,
                    managed_policy_arns=(managed_policy_arn(partition, policy),),
                ),
            )

        cni_role = irsa("vpc-cni-role", "kube-system", "aws-node", "AmazonEKS_CNI_Policy")
        vpc_cni = EksAddon(
            self,
            "vpc-cni",
            cluster_name=cluster.name,
            addon_name="vpc-cni",
            service_account_role_arn=cni_role.role_arn,
            # Enforce Kubernetes NetworkPolicies (the app's chart ships some).
            configuration_values=json.dumps({"enableNetworkPolicy": "true"}),
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE",
        )

        node_role = IamRole(
            self,
            "node-role",
            name=f"{name}-node",
            assume_role_policy=service_trust_policy("ec2.amazonaws.com"),
        )
        node_policies = [
            IamRolePolicyAttachment(
                self,
                f"node-role-{policy}",
                role=node_role.name,
                policy_arn=managed_policy_arn(partition, policy),
            )
            for policy in ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly")
        ]
        node_groups = [
            self._node_group(
                cluster,
                group,
                node_role,
                props.private_subnet_ids,
                depends_on=[vpc_cni, *node_policies],
            )
            for group in props.node_groups
        ]

        for addon in ("coredns", "kube-proxy"):
            EksAddon(
                self,
                addon,
                cluster_name=cluster.name,
                addon_name=addon,
                resolve_conflicts_on_create="OVERWRITE",
                resolve_conflicts_on_update="OVERWRITE",
                depends_on=node_groups,
            )
        ebs_role = irsa(
            "ebs-csi-driver-role",
            "kube-system",
            "ebs-csi-controller-sa",
            "service-role/AmazonEBSCSIDriverPolicy",
        )
        EksAddon(
            self,
            "aws-ebs-csi-driver",
            cluster_name=cluster.name,
            addon_name="aws-ebs-csi-driver",
            service_account_role_arn=ebs_role.role_arn,
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE",
            depends_on=node_groups,
        )

        self.cluster_name: str = cluster.name
        self.cluster_endpoint: str = cluster.endpoint
        self.cluster_certificate_authority_data: str = cluster.certificate_authority.get(0).data
        self.cluster_security_group_id: str = cluster.vpc_config.cluster_security_group_id
        self.oidc_provider_arn: str = oidc.arn
        self.oidc_issuer_url: str = issuer_url
        self.node_role_arn: str = node_role.arn

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
