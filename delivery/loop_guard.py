"""Tell the pipeline whether HEAD needs a build, so the bot's own tag bumps do not loop.

    python -m delivery.loop_guard --bot-email jenkins-bot@example.com [--repo-dir .]
        [--revision HEAD]

A commit is the bot's tag bump when it carries the marker trailer AND its committer is the
bot's identity (`--bot-email`): a trailer copied into a human commit (by hand, or by a
cherry-pick or squash) is not enough. This guards against accidents, not against a forger with
push rights, who could set the committer too and would only skip a build (branch protection
and commit signing are the controls for that). A `git revert` of such a bump (the rollback of a
bad deploy) changes only what the bump changed, a values file: it is deploy-only too.

Exit status 0: skip the build. HEAD is a tag bump, and every commit since the one whose image
    it deploys is a bump or a revert of one; or HEAD is a revert of a bump and every commit
    since that bump is too; or HEAD merges only the bot's commits (a promotion's pull request
    merged with a merge commit) and changes nothing else: the deployed image has this code.
    A squash or rebase merge rewrites the bot's commit as GitHub's, so it is built (the same
    code under a new tag): merge promotions with a merge commit.
Exit status 1: build. HEAD is a human commit, or human commits landed between the built
    commit and the bump, or between a reverted bump and its revert (the bump was pushed on top
    of them after losing a push race, or both were pushed together: their own build may never
    run if the queued builds were merged).
Exit status 2: the repository could not be read.
"""

import re
import sys
from collections.abc import Sequence

from delivery.cli import OneLineParser
from delivery.commit_marker import is_bot_commit, source_commit
from delivery.git import Git, GitError

EXIT_SKIP = 0
EXIT_BUILD = 1
EXIT_ERROR = 2
MAX_HISTORY = 500
"""How many first-parent commits are read back for the last tag bump."""


_REVERTS = re.compile(r"^This reverts commit ([0-9a-f]{40})\.?$", re.MULTILINE)


def is_bump(git: Git, commit: str, bot_email: str) -> bool:
    """The bot's own tag bump: the marker trailer, committed by the bot's identity."""
    return is_bot_commit(git.commit_message(commit)) and (
        git.committer_email(commit).lower() == bot_email.lower()
    )


def reverted_bump(git: Git, commit: str, bot_email: str) -> str | None:
    """The bump `commit` reverts, when it is a `git revert` of one that changes nothing the
    bump did not change; else None."""
    match = _REVERTS.search(git.commit_message(commit))
    if not match or git.is_merge(commit):
        # A merge's own diff is not what it brings in: only a direct (or squash-merged)
        # `git revert` counts.
        return None
    try:
        reverted = git.rev_parse(match.group(1))
    except GitError:
        return None
    if not is_bump(git, reverted, bot_email):
        return None
    if not git.changed_paths(commit) <= git.changed_paths(reverted):
        return None
    return reverted


def is_deploy_only(git: Git, commit: str, bot_email: str) -> bool:
    """A bump, a revert of one, or a merge that brings in only bumps: nothing to build."""
    return (
        is_bump(git, commit, bot_email)
        or reverted_bump(git, commit, bot_email) is not None
        or merged_bumps(git, commit, bot_email) is not None
    )


def merged_bumps(git: Git, commit: str, bot_email: str) -> list[str] | None:
    """The bot's commits `commit` merges, when it is a two-parent merge (the pull request of a
    promotion, `delivery.promote --pull-request`, merged with a merge commit) that brings in
    only the bot's commits and changes nothing they did not change; else None."""
    parents = git.run("rev-list", "--parents", "-n", "1", commit).split()[1:]
    if len(parents) != 2:
        return None
    brought = git.commits_between(parents[0], parents[1])
    if not brought or not all(is_bump(git, c, bot_email) for c in brought):
        return None
    touched = set().union(*(git.changed_paths(c) for c in brought))
    changed = git.run("diff", "--name-only", "-z", parents[0], commit).split("\0")
    if not {path for path in changed if path} <= touched:
        return None
    return brought


def last_deployed_source(git: Git, tip: str, bot_email: str) -> str:
    """What the last tag bump on `tip` (first-parent history) deployed, its Source-Commit; `tip`
    itself when there is none. A deploy-only commit of the bot (a rollback, a promotion) names
    it, so that human commits after it still count as unbuilt here, as they would without it."""
    for commit in git.run(
        "log", "--first-parent", f"--max-count={MAX_HISTORY}", "--format=%H", tip
    ).split():
        message = git.commit_message(commit)
        if is_bot_commit(message) and git.committer_email(commit).lower() == bot_email.lower():
            source = source_commit(message)
            return source if source and git.is_ancestor(source, tip) else commit
    return tip


def decide(git: Git, revision: str, bot_email: str) -> tuple[int, str]:
    """(exit status, one-line reason) for `revision`."""
    head = git.rev_parse(revision)
    message = git.commit_message(head)
    reverted = None if is_bump(git, head, bot_email) else reverted_bump(git, head, bot_email)
    if reverted is not None:
        # From what the reverted bump deployed: commits under the bump that its own build
        # never covered count too (the bump may have landed above them after a push race).
        built = source_commit(git.commit_message(reverted))
        start = built if built and git.is_ancestor(built, head) else reverted
        unbuilt = [
            commit
            for commit in git.commits_between(start, head)
            if commit not in (head, reverted) and not is_deploy_only(git, commit, bot_email)
        ]
        if unbuilt:
            return EXIT_BUILD, (
                f"{head[:12]} reverts tag bump {reverted[:12]}, but {len(unbuilt)} commit(s) "
                "since that bump were never built: build"
            )
        return EXIT_SKIP, (
            f"{head[:12]} reverts tag bump {reverted[:12]} and changes nothing else: "
            "deploy-only, nothing to build"
        )
    merged = None if is_bump(git, head, bot_email) else merged_bumps(git, head, bot_email)
    if merged is not None:
        # What main had deployed when the pull request was merged (the bot's commit may have
        # been made on an older tip, with an older Source-Commit), and nothing unbuilt since.
        deployed = last_deployed_source(git, git.rev_parse(f"{head}^1"), bot_email)
        if deployed and git.is_ancestor(deployed, head):
            unbuilt = [
                commit
                for commit in git.commits_between(deployed, head)
                if commit != head and not is_deploy_only(git, commit, bot_email)
            ]
            if unbuilt:
                return EXIT_BUILD, (
                    f"{head[:12]} merges {len(merged)} bot commit(s), but {len(unbuilt)} "
                    f"commit(s) since {deployed[:12]} are not in the deployed image: build"
                )
        return EXIT_SKIP, (
            f"{head[:12]} merges {len(merged)} bot commit(s) and changes nothing else: "
            "deploy-only, nothing to build"
        )
    if not is_bump(git, head, bot_email):
        if is_bot_commit(message):
            return EXIT_BUILD, (
                f"{head[:12]} carries the tag-bump trailer but was not committed by "
                f"{bot_email}: build"
            )
        return EXIT_BUILD, f"{head[:12]} is not a tag bump: build"

    deployed = source_commit(message)
    if not deployed or not git.is_ancestor(deployed, head):
        return EXIT_SKIP, (
            f"{head[:12]} is a tag bump whose source commit is not in this clone "
            f"(shallow checkout?): skip without checking for commits in between"
        )
    human_commits = [
        commit
        for commit in git.commits_between(deployed, head)
        if not is_deploy_only(git, commit, bot_email)
    ]
    if human_commits:
        return EXIT_BUILD, (
            f"{head[:12]} is a tag bump, but {len(human_commits)} commit(s) since {deployed[:12]} "
            f"are not in the deployed image: build"
        )
    return EXIT_SKIP, f"{head[:12]} is a tag bump of {deployed[:12]}: nothing new to build"


def main(argv: Sequence[str] | None = None) -> int:
    parser = OneLineParser(
        prog="python -m delivery.loop_guard", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--repo-dir", default=".", help="git work tree (default: .)")
    parser.add_argument("--revision", default="HEAD", help="commit to judge (default: HEAD)")
    parser.add_argument(
        "--bot-email",
        required=True,
        help="committer e-mail of the bot's tag bumps (the tag bump's --author-email)",
    )
    arguments = parser.parse_args(argv)
    try:
        status, reason = decide(Git(arguments.repo_dir), arguments.revision, arguments.bot_email)
    except GitError as error:
        print(f"loop_guard: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    print(f"loop_guard: {reason}")
    return status


if __name__ == "__main__":
    sys.exit(main())
