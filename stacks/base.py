"""What every stack shares: the AWS provider with default tags, the state backend, the aspect."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

from cdktf import Aspects, LocalBackend, S3Backend, TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct

from infra_config import EnvironmentConfig
from infra_config.state_paths import local_state_file, state_key
from infra_constructs.tagging import TaggingAspect

Props = TypeVar("Props")


def default_tags(config: EnvironmentConfig) -> dict[str, str]:
    """Tags every AWS resource of the environment carries: identity tags, then config `tags`."""
    return {
        "Project": config.project,
        "Environment": config.environment,
        "ManagedBy": "cdktf",
        **config.tags,
    }


def cluster_name(config: EnvironmentConfig) -> str:
    """The EKS cluster's name, `<project>-<environment>`; the network tags subnets with it."""
    return config.name_prefix


def props_from(settings: object, props_class: type[Props], **given: Any) -> Props:
    """`props_class` (a props dataclass) built from a config section: each field is taken from
    `given`, else from the section's attribute of the same name (lists become tuples), else
    keeps its default. So a config field and the prop it feeds share one name, and the stack
    states only what the config does not hold (names derived, values from other stacks)."""
    values = {}
    for field in dataclasses.fields(props_class):  # type: ignore[arg-type]
        if field.name in given:
            values[field.name] = given[field.name]
        elif hasattr(settings, field.name):
            value = getattr(settings, field.name)
            values[field.name] = tuple(value) if isinstance(value, list) else value
    unknown = set(given) - set(values)
    if unknown:
        raise TypeError(f"{props_class.__name__} has no field {sorted(unknown)}")
    return props_class(**values)


class EnvironmentStack(TerraformStack):
    """A stack of one environment: AWS provider, state backend and the tagging aspect.

    `remote_state` (default True) stores state in the environment's S3 bucket with both the
    DynamoDB lock table and S3 native locking (`use_lockfile`), so that either lock protects
    the state while users migrate from one to the other. With `remote_state=False` state is
    kept on local disk under `terraform-state/<environment>/`: only the backend stack does
    that, until the bootstrap has created the bucket.
    """

    def __init__(
        self, scope: Construct, id: str, *, config: EnvironmentConfig, remote_state: bool = True
    ) -> None:
        super().__init__(scope, id)
        self.config = config
        tags = default_tags(config)
        AwsProvider(
            self,
            "aws",
            region=config.aws.region,
            default_tags=[AwsProviderDefaultTags(tags=tags)],
            # With aws.account_id, credentials of another account fail the plan, before any change.
            allowed_account_ids=[config.aws.account_id] if config.aws.account_id else None,
        )
        if remote_state:
            S3Backend(
                self,
                bucket=config.state.bucket,
                key=state_key(config, id),
                region=config.aws.region,
                encrypt=True,
                dynamodb_table=config.state.lock_table,
            )
            self.add_override("terraform.backend.s3.use_lockfile", True)
        else:
            # Relative to the stack's working directory, <output>/stacks/<stack>/, with the output
            # directory at the repository root (cdktf.out, or make deploy's own).
            LocalBackend(self, path=f"../../../{local_state_file(config, id)}")
        Aspects.of(self).add(TaggingAspect(name_prefix=config.name_prefix, default_tags=tags))

    def add_outputs(self, outputs: Mapping[str, tuple[Any, str]]) -> None:
        """One `TerraformOutput` per entry, `{name: (value, description)}`, in the given order:
        what the next step (a person, a script or another stack) reads after the apply."""
        for name, (value, description) in outputs.items():
            TerraformOutput(self, name, value=value, description=description)
