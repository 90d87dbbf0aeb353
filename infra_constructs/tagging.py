"""The one tagging aspect: every taggable AWS resource gets a Name, and none overrides a
default tag.

Environment-wide tags (Project, Environment, ManagedBy and config `tags`) are applied once, by
the AWS provider's `default_tags`. This aspect adds what `default_tags` cannot: a readable
`Name` tag derived from the resource's construct id when the resource sets none, and a synth
error when a resource's own tags would silently override a default tag with another value.
"""

from __future__ import annotations

from collections.abc import Mapping

import jsii
from cdktf import Annotations, IAspect, TerraformResource
from constructs import IConstruct


@jsii.implements(IAspect)
class TaggingAspect:
    """Adds `Name = <name_prefix>-<path below the stack>` where missing; rejects overrides of a
    default tag.

    `default_tags` are the tags the stack's AWS provider applies to every resource.
    """

    def __init__(self, *, name_prefix: str, default_tags: Mapping[str, str]) -> None:
        self._name_prefix = name_prefix
        self._default_tags = dict(default_tags)

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, TerraformResource) or not hasattr(node, "tags_input"):
            return
        given = node.tags_input or {}
        if not isinstance(given, Mapping):
            return  # tags computed from a token: nothing to check before apply
        tags = dict(given)
        for key, value in tags.items():
            if key in self._default_tags and self._default_tags[key] != value:
                Annotations.of(node).add_error(
                    f"tag {key}={value!r} overrides the environment's default tag "
                    f"{key}={self._default_tags[key]!r}; remove it from the resource or change "
                    "the default in config"
                )
        if "Name" not in tags:
            node.tags = {**tags, "Name": f"{self._name_prefix}-{_path_in_stack(node)}"}


def _path_in_stack(node: IConstruct) -> str:
    """The construct path below its stack, joined with '-': `state/bucket` -> `state-bucket`."""
    return "-".join(scope.node.id for scope in node.node.scopes[2:])
