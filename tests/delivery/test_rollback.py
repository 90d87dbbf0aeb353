"""`python -m delivery.rollback` against real git repositories (see conftest.GitSandbox)."""

from __future__ import annotations

import pytest

SKIP, BUILD = 0, 1


def rollback(sandbox, tag, *extra):
    return sandbox.run_module(
        "delivery.rollback",
        "--values-file",
        sandbox.values_path,
        "--to",
        tag,
        "--repo-dir",
        str(sandbox.workspace),
        "--author-name",
        "Jenkins tag bump",
        "--author-email",
        sandbox.bot_email,
        *extra,
    )


def deployed(sandbox) -> str:
    return [line for line in sandbox.remote_file().splitlines() if line.startswith("  tag: ")][0]


def test_rolls_back_to_an_earlier_tag_and_the_pipeline_builds_nothing(sandbox):
    assert sandbox.tag_bump("0123abcd4567").returncode == 0
    developer = sandbox.clone("developer")
    sandbox.commit(developer, {"app.py": "print('bad release')\n"}, "Bad release")
    pipeline = sandbox.clone("pipeline")  # the bad release's own build
    assert sandbox.tag_bump("89abcdef0123", clone=pipeline).returncode == 0

    result = rollback(sandbox, "0123abcd4567")

    assert result.returncode == 0, result.stderr
    assert deployed(sandbox) == '  tag: "0123abcd4567"'
    assert sandbox.loop_guard(sandbox.workspace).returncode == SKIP


def test_a_tag_never_deployed_is_refused_and_nothing_is_pushed(sandbox):
    assert sandbox.tag_bump("0123abcd4567").returncode == 0
    before = sandbox.remote_head()

    result = rollback(sandbox, "feedfacecafe")

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("rollback: error: 'feedfacecafe' was never the image.tag of")
    assert "(newest first: 0123abcd4567)" in line
    assert sandbox.remote_head() == before


def test_a_stale_checkout_still_rolls_back_without_leaving_commits_unbuilt(sandbox):
    """The person's clone is behind: the commit is made on the fetched tip."""
    assert sandbox.tag_bump("0123abcd4567").returncode == 0
    stale = sandbox.clone("stale")
    assert sandbox.tag_bump("89abcdef0123").returncode == 0

    result = sandbox.run_module(
        "delivery.rollback",
        "--values-file",
        sandbox.values_path,
        "--to",
        "0123abcd4567",
        "--repo-dir",
        str(stale),
        "--author-name",
        "Jenkins tag bump",
        "--author-email",
        sandbox.bot_email,
    )

    assert result.returncode == 0, result.stderr
    assert deployed(sandbox) == '  tag: "0123abcd4567"'
    assert sandbox.loop_guard(stale).returncode == SKIP


def test_a_human_commit_built_before_the_rollback_is_not_built_again(sandbox):
    """Its own bump is on the tip: the rollback names what that bump deployed."""
    assert sandbox.tag_bump("0123abcd4567").returncode == 0
    developer = sandbox.clone("developer")
    sandbox.commit(developer, {"app.py": "print('built')\n"}, "Built change")
    checkout = sandbox.clone("pipeline")  # the pipeline's clone at the human commit
    assert sandbox.tag_bump("89abcdef0123", clone=checkout).returncode == 0

    assert rollback(sandbox, "0123abcd4567").returncode == 0
    assert sandbox.loop_guard(sandbox.workspace).returncode == SKIP


def test_a_human_commit_never_built_before_the_rollback_is_built(sandbox):
    """A rollback must not hide an unbuilt commit from the loop guard (as a revert does not)."""
    assert sandbox.tag_bump("0123abcd4567").returncode == 0
    assert sandbox.tag_bump("89abcdef0123").returncode == 0
    developer = sandbox.clone("developer")
    sandbox.commit(developer, {"app.py": "print('unbuilt fix')\n"}, "Unbuilt fix")

    assert rollback(sandbox, "0123abcd4567").returncode == 0
    assert sandbox.loop_guard(sandbox.workspace).returncode == BUILD


def test_a_tag_the_registry_expired_is_refused(sandbox):
    from delivery.rollback import rollback as roll_back
    from delivery.tag_bump import BumpRequest, InvalidInput

    assert sandbox.tag_bump("0123abcd4567").returncode == 0
    assert sandbox.tag_bump("89abcdef0123").returncode == 0
    request = BumpRequest(
        repo_dir=sandbox.workspace,
        values_file=sandbox.values_path,
        key="image.tag",
        tag="0123abcd4567",
        remote="origin",
        branch="main",
        author_name="Jenkins tag bump",
        author_email=sandbox.bot_email,
        max_attempts=3,
    )
    before = sandbox.remote_head()
    with pytest.raises(InvalidInput, match="is no longer in the registry"):
        roll_back(request, in_registry=lambda tag: tag != "0123abcd4567")
    assert sandbox.remote_head() == before
