"""Which environment runs which one's images, and how the images travel: the shipped pair, and
each way a pair of environment files can disagree, each refused in one line."""

from __future__ import annotations

import pytest

from infra_config import ConfigError, load_config
from infra_config.promotion import promotion_source, promotion_targets
from synth_helpers import ConfigDir

DEV_ACCOUNT, PROD_ACCOUNT = "111111111111", "222222222222"


@pytest.fixture
def configs(tmp_path, monkeypatch):
    return ConfigDir(tmp_path, monkeypatch)


def test_shipped_prod_runs_dev_images_from_the_registry_they_share():
    promotion = promotion_source(load_config("prod"))
    assert (promotion.source.environment, promotion.target.environment) == ("dev", "prod")
    assert promotion.shares_registry and not promotion.cross_account
    assert promotion_source(load_config("dev")) is None
    assert [p.target.environment for p in promotion_targets(load_config("dev"))] == ["prod"]
    assert promotion_targets(load_config("prod")) == []


def test_another_region_of_the_same_account_is_replicated(configs):
    configs.edit(
        "prod",
        aws__region="eu-central-1",
        network__availability_zones=["eu-central-1a", "eu-central-1b", "eu-central-1c"],
    )
    promotion = promotion_source(configs.load("prod"))
    assert not promotion.shares_registry and not promotion.cross_account


def test_another_account_is_replicated_when_both_accounts_are_named(configs):
    configs.edit("dev", aws__account_id=DEV_ACCOUNT)
    configs.edit("prod", aws__account_id=PROD_ACCOUNT)
    promotion = promotion_source(configs.load("prod"))
    assert promotion.cross_account and not promotion.shares_registry
    [out] = promotion_targets(configs.load("dev"))
    assert out.target.aws.account_id == PROD_ACCOUNT


def test_one_account_named_and_the_other_not_is_refused(configs):
    configs.edit("prod", aws__account_id=PROD_ACCOUNT)
    with pytest.raises(ConfigError) as error:
        promotion_source(configs.load("prod"))
    assert str(error.value) == (
        "config/prod.yaml: aws.account_id: set it in config/dev.yaml and in config/prod.yaml "
        "(now None and '222222222222'): across accounts, each registry names the other"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"registry__repository_name": "other/app"},
            "config/prod.yaml: registry.repository_name: 'other/app' differs from dev's "
            "'djeks/django-app': promoted images keep their repository name; use "
            "'djeks/django-app'",
        ),
        (
            {"gitops__branch": "release"},
            "config/prod.yaml: gitops.branch: 'release' differs from dev's 'main': a promotion "
            "writes prod's tag beside dev's, as the same bot; use 'main'",
        ),
        (
            {"gitops__bot_email": "prod-bot@example.com"},
            "config/prod.yaml: gitops.bot_email: 'prod-bot@example.com' differs from dev's ",
        ),
        (
            {"gitops__promoted_from": "qa"},
            "config/prod.yaml: gitops.promoted_from: 'qa': ",
        ),
    ],
)
def test_a_pair_that_does_not_fit_is_refused_in_one_line(configs, change, message):
    configs.edit("prod", **change)
    with pytest.raises(ConfigError) as error:
        promotion_source(configs.load("prod"))
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


def test_an_unknown_source_names_the_environments_there_are(configs):
    configs.edit("prod", gitops__promoted_from="qa")
    with pytest.raises(ConfigError) as error:
        promotion_source(configs.load("prod"))
    assert "no such environment file; available environments: dev, prod" in str(error.value)


def test_promoting_from_an_environment_that_is_itself_promoted_is_refused(configs):
    configs.edit("dev", gitops__promoted_from="prod")
    with pytest.raises(ConfigError) as error:
        promotion_source(configs.load("prod"))
    assert str(error.value) == (
        "config/prod.yaml: gitops.promoted_from: 'dev' is itself promoted from 'prod': promote "
        "from the environment that builds (its promoted_from is null)"
    )
    (configs.path / "staging.yaml").write_text(
        (configs.path / "prod.yaml")
        .read_text()
        .replace("environment: prod", "environment: staging")
    )
    configs.edit("dev", gitops__promoted_from=None)
    configs.edit("prod", gitops__promoted_from="staging")
    with pytest.raises(ConfigError, match="'staging' is itself promoted from 'dev'"):
        promotion_source(configs.load("prod"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"gitops__promoted_from": "prod"},
            "gitops.promoted_from: 'prod' is this environment",
        ),
        (
            {"ingress__jenkins_webhook_host": "hooks.prod.example.com"},
            "ingress.jenkins_webhook_host: prod is promoted from dev and builds nothing on push",
        ),
        (
            {"platform__jenkins__scm_polling": True},
            "platform.jenkins.scm_polling: prod is promoted from dev and builds nothing on push",
        ),
    ],
)
def test_a_promoted_environment_that_would_build_on_push_is_refused(configs, change, message):
    configs.edit("prod", **change)
    with pytest.raises(ConfigError) as error:
        configs.load("prod")
    assert message in str(error.value)


def test_an_account_id_is_twelve_digits_as_a_string(configs):
    configs.edit("dev", aws__account_id=123456789012)
    with pytest.raises(ConfigError, match="aws.account_id"):
        configs.load("dev")
    configs.edit("dev", aws__account_id="12345")
    with pytest.raises(ConfigError, match="use the 12 digits of the AWS account ID"):
        configs.load("dev")


def test_an_unreadable_environment_file_is_refused_not_skipped(configs):
    """It could be a promotion target: dropping its rules silently would expire its images."""
    (configs.path / "scratch.yaml").write_text("project: [unclosed\n")
    with pytest.raises(ConfigError) as error:
        promotion_targets(configs.load("dev"))
    assert str(error.value).startswith("config/scratch.yaml: ")
    assert "\n" not in str(error.value)


def test_make_synth_checks_the_pair_before_the_cdktf_cli(configs, capsys):
    from infra_config.__main__ import main

    configs.edit("prod", aws__account_id="222222222222")
    assert main(["prod"]) == 1
    assert capsys.readouterr().err.startswith("config error: config/prod.yaml: aws.account_id: ")
    assert main(["dev"]) == 1, "dev's synth checks the environments promoted from it too"
