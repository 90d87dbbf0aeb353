"""The cluster stack: EKS with encrypted secrets, full logging, private nodes, IRSA, add-ons."""

from __future__ import annotations

import json

import pytest

from infra_constructs.eks import KubernetesClusterProps, NodeGroupProps
from synth_helpers import only_resource, resources


def eks(result) -> dict:
    return only_resource(result.stacks["cluster"], "aws_eks_cluster")


def reference(stack: dict, resource_type: str, predicate=lambda r: True) -> str:
    """`${type.key}` of the one resource of that type matching `predicate`."""
    [key] = [k for k, r in stack["resource"][resource_type].items() if predicate(r)]
    return f"${{{resource_type}.{key}"


def test_version_comes_from_config(dev):
    assert eks(dev)["version"] == "1.34"


def test_secrets_are_envelope_encrypted_with_a_rotating_key(dev):
    stack = dev.stacks["cluster"]
    encryption = eks(dev)["encryption_config"]
    assert encryption["resources"] == ["secrets"]
    assert encryption["provider"]["key_arn"] == reference(stack, "aws_kms_key") + ".arn}"
    assert only_resource(stack, "aws_kms_key")["enable_key_rotation"] is True


def test_all_five_control_plane_logs_go_to_a_bounded_log_group(prod):
    assert sorted(eks(prod)["enabled_cluster_log_types"]) == [
        "api",
        "audit",
        "authenticator",
        "controllerManager",
        "scheduler",
    ]
    group = only_resource(prod.stacks["cluster"], "aws_cloudwatch_log_group")
    assert group["name"] == "/aws/eks/djeks-prod/cluster"
    assert group["retention_in_days"] == 365


def test_endpoint_is_private_and_public_access_is_limited(prod):
    vpc_config = eks(prod)["vpc_config"]
    assert vpc_config["endpoint_private_access"] is True
    assert vpc_config["endpoint_public_access"] is True
    assert vpc_config["public_access_cidrs"] == ["198.51.100.0/24"]


def test_access_entries_without_creator_admin(dev):
    assert eks(dev)["access_config"] == {
        "authentication_mode": "API",
        "bootstrap_cluster_creator_admin_permissions": False,
    }


def test_nodes_and_control_plane_use_only_private_subnets(dev):
    private = [f"private-{i}" for i in range(2)]
    subnet_refs = eks(dev)["vpc_config"]["subnet_ids"]
    assert len(subnet_refs) == 2
    for ref, name in zip(subnet_refs, private, strict=True):
        assert f"network_{name}_" in ref
    for group in resources(dev.stacks["cluster"], "aws_eks_node_group"):
        assert group["subnet_ids"] == subnet_refs
        assert not any("public" in subnet for subnet in group["subnet_ids"])


def test_launch_template_requires_imdsv2_hop_limit_1_and_encrypted_gp3(prod):
    template = only_resource(prod.stacks["cluster"], "aws_launch_template")
    assert template["metadata_options"] == {
        "http_endpoint": "enabled",
        "http_tokens": "required",
        "http_put_response_hop_limit": 1,
    }
    [device] = template["block_device_mappings"]
    assert device["ebs"]["volume_type"] == "gp3"
    assert device["ebs"]["encrypted"] == "true"
    assert device["ebs"]["volume_size"] == 100


def test_node_groups_follow_config_and_leave_desired_size_to_the_autoscaler(prod):
    group = only_resource(prod.stacks["cluster"], "aws_eks_node_group")
    assert group["scaling_config"] == {"min_size": 3, "desired_size": 3, "max_size": 9}
    assert group["instance_types"] == ["m6i.large", "m6a.large"]
    assert group["lifecycle"] == {"ignore_changes": ["scaling_config[0].desired_size"]}
    assert group["launch_template"]["id"].startswith("${aws_launch_template.")


def managed_policies_of(stack: dict, role_key_part: str) -> set[str]:
    return {
        a["policy_arn"].rsplit("/", 1)[-1]
        for a in resources(stack, "aws_iam_role_policy_attachment")
        if role_key_part in a["role"]
    }


def test_roles_have_only_the_managed_policies_they_need(dev):
    stack = dev.stacks["cluster"]
    assert managed_policies_of(stack, "cluster-role") == {"AmazonEKSClusterPolicy"}
    assert managed_policies_of(stack, "node-role") == {
        "AmazonEKSWorkerNodePolicy",
        "AmazonEC2ContainerRegistryReadOnly",
    }
    assert managed_policies_of(stack, "vpc-cni-role") == {"AmazonEKS_CNI_Policy"}
    assert managed_policies_of(stack, "ebs-csi-driver-role") == {"AmazonEBSCSIDriverPolicy"}


def test_oidc_provider_trusts_sts(dev):
    provider = only_resource(dev.stacks["cluster"], "aws_iam_openid_connect_provider")
    assert provider["client_id_list"] == ["sts.amazonaws.com"]
    assert provider["url"].endswith(".identity[0].oidc[0].issuer}")


def addons(stack: dict) -> dict[str, dict]:
    return {a["addon_name"]: a for a in resources(stack, "aws_eks_addon")}


def test_vpc_cni_comes_before_the_nodes_and_the_rest_after(dev):
    stack = dev.stacks["cluster"]
    found = addons(stack)
    assert set(found) == {"vpc-cni", "coredns", "kube-proxy", "aws-ebs-csi-driver"}
    [group] = resources(stack, "aws_eks_node_group")
    assert any(dep.startswith("aws_eks_addon.") and "vpc-cni" in dep for dep in group["depends_on"])
    for name in ("coredns", "kube-proxy", "aws-ebs-csi-driver"):
        assert any(dep.startswith("aws_eks_node_group.") for dep in found[name]["depends_on"])


def test_ebs_csi_driver_and_vpc_cni_use_their_own_irsa_roles(dev):
    stack = dev.stacks["cluster"]
    found = addons(stack)
    roles = stack["resource"]["aws_iam_role"]
    documents = stack["data"]["aws_iam_policy_document"]
    for addon, service_account in (
        ("aws-ebs-csi-driver", "ebs-csi-controller-sa"),
        ("vpc-cni", "aws-node"),
    ):
        role_key = found[addon]["service_account_role_arn"].split(".")[1]
        document_key = roles[role_key]["assume_role_policy"].split(".")[2]
        [statement] = documents[document_key]["statement"]
        subjects = [c["values"] for c in statement["condition"] if c["variable"].endswith(":sub")]
        assert subjects == [[f"system:serviceaccount:kube-system:{service_account}"]]


def synth_cluster_with(tmp_path, **cluster) -> dict:
    from infra_config import load_config
    from main import build_app

    config = load_config("dev")
    config = config.model_copy(update={"cluster": config.cluster.model_copy(update=cluster)})
    build_app(config, str(tmp_path)).synth()
    return json.loads((tmp_path / "stacks" / "cluster" / "cdk.tf.json").read_text())


def admin_entries(stack: dict) -> dict[str, tuple[dict, dict]]:
    """Access entries by construct id prefix, each with its policy association."""
    entries = stack["resource"].get("aws_eks_access_entry", {})
    associations = stack["resource"].get("aws_eks_access_policy_association", {})
    found = {}
    for key, entry in entries.items():
        [association] = [
            a for a in associations.values() if f"aws_eks_access_entry.{key}" in a["depends_on"]
        ]
        assert association["principal_arn"] == entry["principal_arn"]
        assert association["policy_arn"].endswith(
            ":cluster-access-policy/AmazonEKSClusterAdminPolicy"
        )
        assert association["access_scope"] == {"type": "cluster"}
        assert association.get("count") == entry.get("count")
        found[key.split("_")[1]] = (entry, association)
    return found


def test_admin_principals_get_cluster_admin_through_access_entries(tmp_path):
    admin = "arn:aws:iam::123456789012:role/platform-admin"
    stack = synth_cluster_with(tmp_path, admin_principal_arns=[admin], deployer_admin=False)
    entries = admin_entries(stack)
    assert list(entries) == ["admin-0"]
    assert entries["admin-0"][0]["principal_arn"] == admin


def test_the_deployer_role_gets_cluster_admin_unless_listed(dev):
    """Not locked out: the session's role (not the STS session ARN) gets an entry, skipped
    (count 0) when it is already one of admin_principal_arns."""
    stack = dev.stacks["cluster"]
    [(key, session)] = stack["data"]["aws_iam_session_context"].items()
    [caller] = stack["data"]["aws_caller_identity"]
    assert session["arn"] == f"${{data.aws_caller_identity.{caller}.arn}}"
    entries = admin_entries(stack)
    assert list(entries) == ["deployer"]
    entry = entries["deployer"][0]
    assert entry["principal_arn"] == f"${{data.aws_iam_session_context.{key}.issuer_arn}}"
    assert entry["count"] == (
        f"${{contains([], data.aws_iam_session_context.{key}.issuer_arn) ? 0 : 1}}"
    )


def test_config_without_any_cluster_administrator_is_refused():
    from infra_constructs.eks import KubernetesClusterProps, NodeGroupProps

    group = NodeGroupProps("general", ("t3.large",), 1, 1, 1)
    with pytest.raises(ValueError, match="KubernetesClusterProps: nobody could administer"):
        KubernetesClusterProps("c", "1.34", ["s"], (group,), deployer_admin=False)


def test_outputs_give_the_platform_what_it_needs(dev):
    assert set(dev.stacks["cluster"]["output"]) >= {
        "cluster_name",
        "cluster_endpoint",
        "cluster_certificate_authority_data",
        "oidc_provider_arn",
        "oidc_issuer_url",
    }


def test_node_group_props_reject_unordered_sizes():
    with pytest.raises(ValueError, match=r"NodeGroupProps\(general\): sizes must satisfy"):
        NodeGroupProps(
            name="general", instance_types=("t3.large",), min_size=3, desired_size=2, max_size=4
        )


def test_cluster_props_need_a_node_group():
    with pytest.raises(ValueError, match="KubernetesClusterProps.node_groups: give at least one"):
        KubernetesClusterProps(
            cluster_name="c", version="1.34", private_subnet_ids=["s"], node_groups=()
        )
