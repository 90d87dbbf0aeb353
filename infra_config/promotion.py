"""Promotion between environments: which environment's images another runs, and how the images
get from one registry to the other. One home for that rule; the registry, platform and
deployment code read it from here.

An environment with `gitops.promoted_from: <source>` builds nothing: its image tag (in its
own values file) changes only by promotion, to an image that ran healthy in the source. The
image must be in the target's registry, with the same repository name (the Application pulls
`<target registry>/<registry.repository_name>:<tag>`):

- **shared**: both environments in one account (equal `aws.account_id`, or both unset) and one
  region have one registry, so one repository: the source's registry stack creates it, the
  target's creates none (two stacks creating one name is the collision this avoids). Promotion
  copies nothing.
- **replicated**: otherwise (another account, or another region). The source's registry
  replicates the repository to each target registry (`aws_ecr_replication_configuration`); a
  target in another account allows the source account to replicate into its repository
  (`aws_ecr_registry_policy`). Images pushed after the rule exists are replicated, in seconds
  to minutes; promotion waits for the image to arrive.

Across accounts both account IDs must be set: the source names the target registry, the
target names the account it accepts images from.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from infra_config.loader import ConfigError, available_environments, config_dir, load_config
from infra_config.model import EnvironmentConfig
from infra_config.yaml_loading import YamlRefused, read_yaml


@dataclass(frozen=True)
class Promotion:
    """`target` runs images that ran healthy in `source`."""

    source: EnvironmentConfig
    target: EnvironmentConfig

    @property
    def shares_registry(self) -> bool:
        """Both in one registry: one region, and one account (equal IDs, or neither set)."""
        return (
            self.source.aws.region == self.target.aws.region
            and self.source.aws.account_id == self.target.aws.account_id
        )

    @property
    def cross_account(self) -> bool:
        return self.source.aws.account_id != self.target.aws.account_id


def promotion_source(config: EnvironmentConfig, directory: Path | None = None) -> Promotion | None:
    """The promotion `config`'s environment receives (`gitops.promoted_from`), checked against
    the source's own file; None when the environment builds its images itself."""
    source_name = config.gitops.promoted_from
    if source_name is None:
        return None
    directory = directory or config_dir()
    shown = f"config/{config.environment}.yaml"
    try:
        source = load_config(source_name, directory)
    except ConfigError as error:
        raise ConfigError(f"{shown}: gitops.promoted_from: {source_name!r}: {error}") from None
    promotion = Promotion(source=source, target=config)
    _check(promotion, shown)
    return promotion


def promotion_targets(config: EnvironmentConfig, directory: Path | None = None) -> list[Promotion]:
    """The promotions out of `config`'s environment: every environment file whose
    `gitops.promoted_from` names it, each validated in full and checked against `config`. A
    file that cannot be read is an error: it could be a target, whose images this
    environment's registry must then keep or replicate."""
    directory = directory or config_dir()
    promotions = []
    for name in available_environments(directory):
        if name == config.environment:
            continue
        try:
            data = read_yaml(directory / f"{name}.yaml")
        except YamlRefused as refused:
            raise ConfigError(f"config/{name}.yaml: {refused}") from None
        except OSError as error:
            raise ConfigError(f"config/{name}.yaml: cannot be read: {error.strerror}") from None
        gitops = data.get("gitops") if isinstance(data, dict) else None
        if isinstance(gitops, dict) and gitops.get("promoted_from") == config.environment:
            promotion = Promotion(source=config, target=load_config(name, directory))
            _check(promotion, f"config/{name}.yaml")
            promotions.append(promotion)
    return promotions


def check_promotions(config: EnvironmentConfig, directory: Path | None = None) -> None:
    """Both directions at once, as `make synth` and `make deploy` check them before anything
    runs: the promotion into `config`'s environment and those out of it (`ConfigError`)."""
    promotion_source(config, directory)
    promotion_targets(config, directory)


def _check(promotion: Promotion, shown: str) -> None:
    source, target = promotion.source, promotion.target
    name = source.environment
    if source.gitops.promoted_from is not None:
        raise ConfigError(
            f"{shown}: gitops.promoted_from: {name!r} is itself promoted from "
            f"{source.gitops.promoted_from!r}: promote from the environment that builds "
            f"(its promoted_from is null)"
        )
    # One repository, branch and chart; one bot, whose commits (promotions and rollbacks
    # included) the building environment's loop guard knows as deploy-only.
    same = ("repo_url", "branch", "chart_path", "bot_email")
    for field in same:
        mine, theirs = getattr(target.gitops, field), getattr(source.gitops, field)
        if mine != theirs:
            raise ConfigError(
                f"{shown}: gitops.{field}: {mine!r} differs from {name}'s {theirs!r}: a "
                f"promotion writes {target.environment}'s tag beside {name}'s, as the same bot; "
                f"use {theirs!r}"
            )
    if target.registry.repository_name != source.registry.repository_name:
        raise ConfigError(
            f"{shown}: registry.repository_name: {target.registry.repository_name!r} differs "
            f"from {name}'s {source.registry.repository_name!r}: promoted images keep their "
            f"repository name; use {source.registry.repository_name!r}"
        )
    ids = (source.aws.account_id, target.aws.account_id)
    if promotion.cross_account and None in ids:
        raise ConfigError(
            f"{shown}: aws.account_id: set it in config/{name}.yaml and in {shown} (now "
            f"{ids[0]!r} and {ids[1]!r}): across accounts, each registry names the other"
        )
