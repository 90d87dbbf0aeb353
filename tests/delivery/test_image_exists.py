"""`python -m delivery.image_exists` against ECR as moto emulates it (in-process)."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from delivery.image_exists import EXIT_ABSENT, EXIT_ERROR, EXIT_PRESENT, main

REPOSITORY = "djeks/django-app"
MANIFEST = (
    '{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", '
    '"config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1, '
    '"digest": "sha256:' + "0" * 64 + '"}, "layers": []}'
)


@pytest.fixture
def ecr(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("ecr", region_name="eu-west-1")
        client.create_repository(repositoryName=REPOSITORY, imageTagMutability="IMMUTABLE")
        client.put_image(repositoryName=REPOSITORY, imageManifest=MANIFEST, imageTag="0123abcd4567")
        yield client


def test_a_built_tag_is_present(ecr, capsys):
    assert main(["--repository", REPOSITORY, "--tag", "0123abcd4567"], ecr) == EXIT_PRESENT
    assert "is in the registry" in capsys.readouterr().out


def test_an_unbuilt_tag_is_absent(ecr, capsys):
    assert main(["--repository", REPOSITORY, "--tag", "89abcdef0123"], ecr) == EXIT_ABSENT
    assert "is not built yet" in capsys.readouterr().out


def test_a_missing_repository_is_one_line_and_exit_2(ecr, capsys):
    assert main(["--repository", "djeks/nothing", "--tag", "0123abcd4567"], ecr) == EXIT_ERROR
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("image_exists: error: ECR djeks/nothing:")
