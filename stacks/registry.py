"""registry: the ECR repositories of the Django image and its build cache."""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from infra_config import EnvironmentConfig
from infra_constructs.registry import ImageRegistry, ImageRegistryProps
from stacks.base import EnvironmentStack


class RegistryStack(EnvironmentStack):
    """Image and cache repositories. Attribute `registry` for the platform stack."""

    def __init__(self, scope: Construct, id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, id, config=config)
        settings = config.registry
        self.registry = ImageRegistry(
            self,
            "registry",
            props=ImageRegistryProps(
                repository_name=settings.repository_name,
                keep_tagged_images=settings.keep_tagged_images,
                expire_untagged_days=settings.expire_untagged_days,
                cache_expire_days=settings.cache_expire_days,
            ),
        )
        TerraformOutput(
            self,
            "repository_url",
            value=self.registry.repository_url,
            description="Where Jenkins pushes the Django image.",
        )
        TerraformOutput(
            self,
            "repository_arn",
            value=self.registry.repository_arn,
            description="ARN of the image repository, for push policies.",
        )
        TerraformOutput(
            self,
            "cache_repository_url",
            value=self.registry.cache_repository_url,
            description="Kaniko layer cache (--cache-repo).",
        )
        TerraformOutput(
            self,
            "cache_repository_arn",
            value=self.registry.cache_repository_arn,
            description="ARN of the cache repository, for push policies.",
        )
