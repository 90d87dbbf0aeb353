"""`python -m delivery.loop_guard`: exit 0 (skip) only for the bot's own tag bumps."""

SKIP, BUILD, ERROR = 0, 1, 2


def checkout_remote_main(sandbox, clone):
    sandbox.git("fetch", "--quiet", "origin", cwd=clone)
    sandbox.git("checkout", "--quiet", "--detach", "origin/main", cwd=clone)


def test_human_commit_is_built(sandbox):
    result = sandbox.loop_guard(sandbox.workspace)

    assert result.returncode == BUILD
    assert "is not a tag bump: build" in result.stdout


def test_bot_tag_bump_is_skipped(sandbox):
    assert sandbox.tag_bump("0123abcd4567").returncode == 0

    result = sandbox.loop_guard(sandbox.workspace)

    assert result.returncode == SKIP
    assert "nothing new to build" in result.stdout


def test_consecutive_bumps_are_skipped(sandbox):
    assert sandbox.tag_bump("0123abcd4567").returncode == 0
    assert sandbox.tag_bump("89abcdef0123").returncode == 0

    assert sandbox.loop_guard(sandbox.workspace).returncode == SKIP


def test_bump_pushed_on_top_of_an_unbuilt_human_commit_is_built(sandbox):
    """The bump of an older build lost a push race and landed above a newer human commit."""
    developer = sandbox.clone("developer")
    sandbox.commit(developer, {"app.py": "print('new feature')\n"}, "New feature")

    assert sandbox.tag_bump("0123abcd4567").returncode == 0
    checkout_remote_main(sandbox, developer)

    result = sandbox.loop_guard(developer)

    assert result.returncode == BUILD
    assert "1 commit(s)" in result.stdout


def test_marker_outside_the_trailers_does_not_make_a_bot_commit(sandbox):
    message = (
        "Explain the loop guard\n\nBumped-By: jenkins-tag-bump\n\nis the trailer the bot writes."
    )
    sandbox.commit(sandbox.workspace, {"docs.md": "loop guard\n"}, message)

    assert sandbox.loop_guard(sandbox.workspace).returncode == BUILD


def test_shallow_clone_without_the_source_commit_still_skips_the_bump(sandbox):
    assert sandbox.tag_bump("0123abcd4567").returncode == 0
    sandbox.git(
        "clone", "--quiet", "--depth=1", f"file://{sandbox.remote}", "shallow", cwd=sandbox.root
    )

    result = sandbox.loop_guard(sandbox.root / "shallow")

    assert result.returncode == SKIP
    assert "shallow" in result.stdout


def test_unreadable_repository_is_an_error(sandbox):
    result = sandbox.loop_guard(sandbox.root)

    assert result.returncode == ERROR
    assert result.stderr.startswith("loop_guard: error: ")
