"""What a second plan wants to change, reduced to its causes, and the emulator's known share."""

from __future__ import annotations

KNOWN_EMULATOR_DRIFT = {
    "aws_eks_cluster": {"access_config"},
    "aws_eks_node_group": {"remote_access", "update_config"},
    "aws_launch_template": {"tag_specifications"},
    "aws_db_instance": {
        "performance_insights_enabled",
        "performance_insights_kms_key_id",
        "performance_insights_retention_period",
    },
    "aws_db_parameter_group": {"parameter"},
    "aws_vpc_security_group_ingress_rule": {"description"},
}
"""Perpetual differences moto 5.2.5 causes, by resource type and attribute. Real EKS and EC2
return what was sent; moto does not:

- aws_eks_cluster.access_config: moto's DescribeCluster has no `accessConfig`, so every plan
  adds it again, and `bootstrap_cluster_creator_admin_permissions` forces a replacement;
- aws_eks_node_group.remote_access: moto invents `remote_access { ec2_ssh_key = "eksKeypair" }`
  for a node group created without one; removing it forces a replacement;
- aws_eks_node_group.update_config: moto's DescribeNodegroup has no `updateConfig`, so every
  plan sets it again, and the update waits on DescribeUpdate, which moto lacks (HTTP 404);
- aws_launch_template.tag_specifications: moto copies the template's own tags into its launch
  template data, so every plan removes them and writes a new template version;
- aws_db_instance.performance_insights_*: moto's DescribeDBInstances does not return the
  Performance Insights settings it was sent, so every plan turns them on again;
- aws_db_parameter_group.parameter: moto does not return the parameters as they were set
  (name, value and apply method), so every plan sets them again;
- aws_vpc_security_group_ingress_rule.description: moto's DescribeSecurityGroupRules returns no
  description, so every plan writes it again.

The rehearsal copies ignore these attributes after creation (`lifecycle.ignore_changes`,
`rehearsal.copies`), so that a second plan of an unchanged stack is empty, as it is on AWS;
they are still sent when the resource is created."""


def known_emulator_drift(stack: dict) -> dict[str, set[str]]:
    """The share of `KNOWN_EMULATOR_DRIFT` that concerns the resource types of `stack`."""
    return {
        resource_type: set(attributes)
        for resource_type, attributes in KNOWN_EMULATOR_DRIFT.items()
        if resource_type in stack.get("resource", {})
    }


def drift(plan: dict) -> dict[str, set[str]]:
    """Per resource type, the top-level attributes a plan changes to a known new value.

    `plan` is `terraform show -json` of a plan file. Replacements count the attributes that
    force them; updates count every attribute whose known value changes; a resource to create
    or destroy counts as `<create>` or `<delete>`. Values that are only unknown after the change
    follow from another change and do not count. Data source reads do not count.
    """
    found: dict[str, set[str]] = {}
    for change in plan.get("resource_changes", []):
        actions = change["change"]["actions"]
        if actions in (["no-op"], ["read"]):
            continue
        before = change["change"]["before"] or {}
        after = change["change"]["after"] or {}
        unknown = change["change"].get("after_unknown") or {}
        if set(actions) == {"create", "delete"}:
            attributes = {
                path[0]
                for path in change["change"].get("replace_paths", [])
                if _changes_known_value(_at(before, path), _at(after, path), _at(unknown, path))
            }
        elif actions == ["update"]:
            attributes = {
                name
                for name in before.keys() | after.keys()
                if _changes_known_value(before.get(name), after.get(name), unknown.get(name))
            }
        else:
            attributes = {f"<{action}>" for action in actions}
        if attributes:
            found.setdefault(change["type"], set()).update(attributes)
    return found


def _at(value, path: list):
    for step in path:
        if isinstance(value, dict) and isinstance(step, str):
            value = value.get(step)
        elif isinstance(value, list) and isinstance(step, int) and step < len(value):
            value = value[step]
        else:
            return None
    return value


def _changes_known_value(before, after, unknown) -> bool:
    """Whether `after` differs from `before` anywhere that `unknown` does not mark unknown."""
    if unknown is True:
        return False
    if isinstance(after, dict) and isinstance(before, dict):
        marks = unknown if isinstance(unknown, dict) else {}
        return any(
            _changes_known_value(before.get(key), after.get(key), marks.get(key))
            for key in before.keys() | after.keys()
        )
    if isinstance(after, list) and isinstance(before, list) and len(after) == len(before):
        marks = (
            unknown
            if isinstance(unknown, list) and len(unknown) == len(after)
            else [None] * len(after)
        )
        return any(
            _changes_known_value(old, new, mark)
            for old, new, mark in zip(before, after, marks, strict=True)
        )
    return before != after
