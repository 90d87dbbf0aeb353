"""registry: the ECR repositories of the Django image and its build cache."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.data_aws_ecr_repository import DataAwsEcrRepository
from constructs import Construct

from infra_config import EnvironmentConfig
from infra_config.promotion import promotion_source, promotion_targets
from infra_constructs.registry import (
    ImageRegistry,
    ImageRegistryProps,
    KeptImages,
    RegistryDestination,
    cache_repository_name,
)
from stacks.base import EnvironmentStack, props_from


class RegistryStack(EnvironmentStack):
    """Image and cache repositories. The platform stack finds them by name.

    With promotion (`gitops.promoted_from`, `infra_config.promotion`): the source replicates
    its repositories to each target in another account or region, and such a target accepts
    them (its registry policy, across accounts). A target sharing the source's registry (one
    account, one region) creates no repository: it looks up the source's, so it deploys after
    the source.
    """

    def __init__(self, scope: Construct, id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, id, config=config)
        source = promotion_source(config)
        if source is not None and source.shares_registry:
            name = config.registry.repository_name
            image = DataAwsEcrRepository(self, "repository", name=name)
            cache = DataAwsEcrRepository(self, "cache-repository", name=cache_repository_name(name))
            urls = (image.repository_url, image.arn, cache.repository_url, cache.arn)
            shared = f" (shared with {source.source.environment}, which creates it)"
        else:
            targets = promotion_targets(config)
            replicate_to = tuple(
                RegistryDestination(
                    region=promotion.target.aws.region, account_id=promotion.target.aws.account_id
                )
                for promotion in targets
                if not promotion.shares_registry
            )
            # Promoted images live here: those of the targets sharing this registry, or, in a
            # promoted environment with a registry of its own, this environment's.
            kept = tuple(
                KeptImages(p.target.environment, p.target.registry.keep_tagged_images)
                for p in (*([source] if source is not None else []), *targets)
                if p.shares_registry or p.target is config
            )
            self.registry = ImageRegistry(
                self,
                "registry",
                props=props_from(
                    config.registry,
                    ImageRegistryProps,
                    replicate_to=replicate_to,
                    replication_source_account=source.source.aws.account_id
                    if source is not None and source.cross_account
                    else None,
                    kept=kept,
                ),
            )
            registry = self.registry
            urls = (
                registry.repository_url,
                registry.repository_arn,
                registry.cache_repository_url,
                registry.cache_repository_arn,
            )
            shared = ""
        self.add_outputs(
            {
                "repository_url": (urls[0], f"Where Jenkins pushes the Django image{shared}."),
                "repository_arn": (urls[1], "ARN of the image repository, for push policies."),
                "cache_repository_url": (urls[2], "Kaniko layer cache (--cache-repo)."),
                "cache_repository_arn": (
                    urls[3],
                    "ARN of the cache repository, for push policies.",
                ),
            }
        )
