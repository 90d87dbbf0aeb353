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


def revert_head(sandbox, clone):
    """`git revert` of the remote tip, by the developer, pushed."""
    checkout_remote_main(sandbox, clone)
    sandbox.git("revert", "--no-edit", "HEAD", cwd=clone)
    sandbox.git("push", "--quiet", "origin", "HEAD:main", cwd=clone)


def test_a_revert_of_a_bot_bump_is_deploy_only(sandbox):
    """The documented rollback: the developer reverts a bad bump; its pipeline must not
    rebuild the bad code and bump a new tag over the revert."""
    assert sandbox.tag_bump("0123abcd4567").returncode == 0
    developer = sandbox.clone("developer")
    revert_head(sandbox, developer)

    result = sandbox.loop_guard(developer)

    assert result.returncode == SKIP
    assert "reverts tag bump" in result.stdout


def test_a_bump_above_a_revert_of_a_bump_is_still_skipped(sandbox):
    assert sandbox.tag_bump("0123abcd4567").returncode == 0
    developer = sandbox.clone("developer")
    revert_head(sandbox, developer)
    assert sandbox.tag_bump("89abcdef0123").returncode == 0
    checkout_remote_main(sandbox, developer)

    assert sandbox.loop_guard(developer).returncode == SKIP


def test_a_revert_that_also_changes_code_is_built(sandbox):
    assert sandbox.tag_bump("0123abcd4567").returncode == 0
    developer = sandbox.clone("developer")
    checkout_remote_main(sandbox, developer)
    sandbox.git("revert", "--no-commit", "HEAD", cwd=developer)
    (developer / "app.py").write_text("print('sneaked in')\n")
    sandbox.git("add", "app.py", cwd=developer)
    sandbox.git("commit", "--quiet", "--no-edit", cwd=developer)

    assert sandbox.loop_guard(developer).returncode == BUILD


def test_a_revert_of_a_human_commit_is_built(sandbox):
    developer = sandbox.clone("developer")
    sandbox.commit(developer, {"app.py": "print('feature')\n"}, "Feature")
    revert_head(sandbox, developer)

    assert sandbox.loop_guard(developer).returncode == BUILD


def test_a_human_commit_that_copies_the_bots_trailers_is_built(sandbox):
    """The guard trusts the committer identity it was given, not the message text."""
    head = sandbox.git("rev-parse", "HEAD", cwd=sandbox.workspace).strip()
    message = (
        "[ci-bump] Deploy image 0123abcd4567\n\nSet image.tag.\n\n"
        f"Source-Commit: {head}\nBumped-By: jenkins-tag-bump"
    )
    sandbox.commit(sandbox.workspace, {"app.py": "print('unbuilt code')\n"}, message)

    result = sandbox.loop_guard(sandbox.workspace)

    assert result.returncode == BUILD
    assert "was not committed by jenkins-bot@example.com" in result.stdout


def test_a_bump_by_another_identity_than_configured_is_built(sandbox):
    assert sandbox.tag_bump("0123abcd4567").returncode == 0

    result = sandbox.run_module(
        "delivery.loop_guard",
        "--repo-dir",
        str(sandbox.workspace),
        "--bot-email",
        "other-bot@example.com",
    )

    assert result.returncode == BUILD


def test_a_revert_with_unbuilt_commits_since_the_bump_is_built(sandbox):
    """A human commit and the revert pushed together (or their builds merged): the human
    commit must not go unbuilt behind the revert."""
    assert sandbox.tag_bump("0123abcd4567").returncode == 0
    developer = sandbox.clone("developer")
    sandbox.commit(developer, {"app.py": "print('fix')\n"}, "Fix")
    revert_head_bump = sandbox.git(
        "log", "-1", "--format=%H", "--author=jenkins", "origin/main", cwd=developer
    )
    sandbox.git("revert", "--no-edit", revert_head_bump.strip(), cwd=developer)
    sandbox.git("push", "--quiet", "origin", "HEAD:main", cwd=developer)

    result = sandbox.loop_guard(developer)

    assert result.returncode == BUILD
    assert "were never built" in result.stdout


def test_a_merge_whose_message_names_a_reverted_bump_is_built(sandbox):
    """A merge's own diff is not what it brings in: only a direct revert is deploy-only."""
    assert sandbox.tag_bump("0123abcd4567").returncode == 0
    developer = sandbox.clone("developer")
    bump = sandbox.git("rev-parse", "HEAD", cwd=developer).strip()
    sandbox.git("checkout", "--quiet", "-b", "feature", cwd=developer)
    (developer / "app.py").write_text("print('feature')\n")
    sandbox.git("add", "app.py", cwd=developer)
    sandbox.git("commit", "--quiet", "-m", "Feature", cwd=developer)
    sandbox.git("checkout", "--quiet", "main", cwd=developer)
    sandbox.git(
        "merge", "--no-ff", "--quiet", "-m", f"Merge\n\nThis reverts commit {bump}.", "feature",
        cwd=developer,
    )  # fmt: skip

    assert sandbox.loop_guard(developer).returncode == BUILD


def merge_promotion_branch(sandbox, clone, branch, message="Merge pull request #7"):
    """Merge `branch` of the remote into main with a merge commit, as GitHub's button does."""
    sandbox.git("fetch", "--quiet", "origin", cwd=clone)
    sandbox.git("checkout", "--quiet", "--detach", "origin/main", cwd=clone)
    sandbox.git("merge", "--no-ff", "--quiet", "-m", message, f"origin/{branch}", cwd=clone)
    sandbox.git("push", "--quiet", "origin", "HEAD:main", cwd=clone)


def promote_to_branch(sandbox, tag="0123abcd4567"):
    """dev deploys `tag`; a promotion of it to prod is pushed as branch promote/prod/<tag>."""
    from delivery.deployed import record
    from delivery.git import Git
    from delivery.promote import main as promote_main

    assert sandbox.tag_bump(tag).returncode == 0
    record(Git(sandbox.workspace), "origin", "dev", tag, sandbox.remote_head())
    arguments = ["--from", "dev", "--to", "prod", "--chart-path", "helm/django-app"]
    identity = ["--author-name", "Jenkins tag bump", "--author-email", sandbox.bot_email]
    workspace = ["--repo-dir", str(sandbox.workspace), "--pull-request"]
    assert promote_main([*arguments, *identity, *workspace]) == 0
    return f"promote/prod/{tag}"


def test_merging_a_promotion_pull_request_is_deploy_only(sandbox, monkeypatch):
    for name, value in sandbox.env.items():
        monkeypatch.setenv(name, value)
    branch = promote_to_branch(sandbox)
    reviewer = sandbox.clone("reviewer")
    merge_promotion_branch(sandbox, reviewer, branch)

    result = sandbox.loop_guard(reviewer)

    assert result.returncode == SKIP, result.stdout
    assert "merges 1 bot commit(s) and changes nothing else" in result.stdout


def test_a_merge_that_also_changes_code_is_built(sandbox, monkeypatch):
    for name, value in sandbox.env.items():
        monkeypatch.setenv(name, value)
    branch = promote_to_branch(sandbox)
    reviewer = sandbox.clone("reviewer")
    sandbox.git("fetch", "--quiet", "origin", cwd=reviewer)
    sandbox.git("checkout", "--quiet", "--detach", "origin/main", cwd=reviewer)
    sandbox.git("merge", "--no-ff", "--no-commit", f"origin/{branch}", cwd=reviewer)
    (reviewer / "app.py").write_text("print('sneaked in')\n")
    sandbox.git("add", "app.py", cwd=reviewer)
    sandbox.git("commit", "--quiet", "-m", "Merge with a change", cwd=reviewer)

    assert sandbox.loop_guard(reviewer).returncode == BUILD


def test_a_promotion_merge_above_an_unbuilt_commit_is_built(sandbox, monkeypatch):
    for name, value in sandbox.env.items():
        monkeypatch.setenv(name, value)
    branch = promote_to_branch(sandbox)
    developer = sandbox.clone("developer")
    sandbox.commit(developer, {"app.py": "print('new feature')\n"}, "New feature")
    merge_promotion_branch(sandbox, developer, branch)

    result = sandbox.loop_guard(developer)

    assert result.returncode == BUILD
    assert "1 commit(s) since" in result.stdout


def test_a_merge_of_a_human_branch_is_built(sandbox):
    developer = sandbox.clone("developer")
    sandbox.git("checkout", "--quiet", "-b", "feature", cwd=developer)
    sandbox.commit(developer, {"app.py": "print('feature')\n"}, "Feature", push=False)
    sandbox.git("push", "--quiet", "origin", "feature", cwd=developer)
    merge_promotion_branch(sandbox, developer, "feature")

    assert sandbox.loop_guard(developer).returncode == BUILD


def test_a_promotion_merged_after_dev_built_more_is_still_deploy_only(sandbox, monkeypatch):
    """The bot's commit was made on an older tip: what counts is what main had deployed."""
    for name, value in sandbox.env.items():
        monkeypatch.setenv(name, value)
    branch = promote_to_branch(sandbox)
    developer = sandbox.clone("developer")
    sandbox.commit(developer, {"app.py": "print('new feature')\n"}, "New feature")
    checkout_remote_main(sandbox, sandbox.workspace)
    assert sandbox.tag_bump("89abcdef0123").returncode == 0  # its build's bump
    merge_promotion_branch(sandbox, developer, branch)

    result = sandbox.loop_guard(developer)

    assert result.returncode == SKIP, result.stdout


def test_a_rollback_after_a_merged_promotion_is_still_deploy_only(sandbox, monkeypatch):
    """The merge commit is GitHub's, not the bot's: below a later bot commit it must not count
    as unbuilt code."""
    from delivery.promote import main as promote_main
    from delivery.rollback import main as rollback_main

    for name, value in sandbox.env.items():
        monkeypatch.setenv(name, value)
    identity = ["--author-name", "Jenkins tag bump", "--author-email", sandbox.bot_email]
    workspace = ["--repo-dir", str(sandbox.workspace)]
    promote = ["--from", "dev", "--to", "prod", "--chart-path", "helm/django-app"]
    first = promote_to_branch(sandbox, "0123abcd4567")  # dev runs it; a branch proposes it
    sandbox.git("push", "--quiet", "origin", "--delete", first, cwd=sandbox.workspace)
    assert promote_main([*promote, *identity, *workspace]) == 0  # prod: promoted directly
    merge_promotion_branch(
        sandbox, sandbox.clone("reviewer"), promote_to_branch(sandbox, "89abcdef0123")
    )
    rollback = ["--values-file", "helm/django-app/values-prod.yaml", "--to", "0123abcd4567"]
    assert rollback_main([*rollback, *identity, *workspace]) == 0  # prod back, above the merge

    result = sandbox.loop_guard(sandbox.workspace)

    assert result.returncode == SKIP, result.stdout


def test_two_promotion_merges_in_a_row_are_deploy_only(sandbox, monkeypatch):
    for name, value in sandbox.env.items():
        monkeypatch.setenv(name, value)
    reviewer = sandbox.clone("reviewer")
    merge_promotion_branch(sandbox, reviewer, promote_to_branch(sandbox, "0123abcd4567"))
    checkout_remote_main(sandbox, sandbox.workspace)
    merge_promotion_branch(sandbox, reviewer, promote_to_branch(sandbox, "89abcdef0123"))

    result = sandbox.loop_guard(reviewer)

    assert result.returncode == SKIP, result.stdout
