"""`python -m delivery.image_exists` against ECR as moto emulates it (in-process)."""

from __future__ import annotations

import pytest
from delivery_helpers import MANIFEST, REPOSITORY

from delivery.image_exists import EXIT_ABSENT, EXIT_ERROR, EXIT_PRESENT, main


@pytest.fixture
def registry(ecr):
    """The repository holding one image, tagged 0123abcd4567."""
    ecr.put_image(repositoryName=REPOSITORY, imageManifest=MANIFEST, imageTag="0123abcd4567")
    return ecr


def test_a_built_tag_is_present(registry, capsys):
    assert main(["--repository", REPOSITORY, "--tag", "0123abcd4567"], registry) == EXIT_PRESENT
    assert "is in the registry" in capsys.readouterr().out


def test_an_unbuilt_tag_is_absent(registry, capsys):
    assert main(["--repository", REPOSITORY, "--tag", "89abcdef0123"], registry) == EXIT_ABSENT
    assert "is not built yet" in capsys.readouterr().out


def test_a_missing_repository_is_one_line_and_exit_2(registry, capsys):
    assert main(["--repository", "djeks/nothing", "--tag", "0123abcd4567"], registry) == EXIT_ERROR
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("image_exists: error: ECR djeks/nothing:")
