"""A thin wrapper over the git command line, for one repository."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path


class GitError(Exception):
    """A git command failed; the message carries git's own error output."""


class Git:
    """Runs git commands in `repo_dir`, never prompting for credentials."""

    def __init__(self, repo_dir: str | os.PathLike[str]) -> None:
        self.repo_dir = Path(repo_dir)
        self._env = {**os.environ, "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"}

    def run(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        """Run `git <args>` and return its stdout; raise GitError when it fails."""
        try:
            completed = subprocess.run(
                ["git", *args],
                cwd=self.repo_dir,
                env={**self._env, **(env or {})},
                capture_output=True,
                text=True,
                # File names and messages are bytes to git: one that is not UTF-8 must neither
                # crash the tools nor be changed (surrogates round-trip to the same bytes).
                encoding="utf-8",
                errors="surrogateescape",
                check=False,
            )
        except OSError as error:  # no such directory, or no git
            raise GitError(f"git {args[0]} in {self.repo_dir}: {error.strerror}") from None
        if completed.returncode != 0:
            output = "\n".join(
                part for part in (completed.stderr.strip(), completed.stdout.strip()) if part
            )
            output = output or f"exit status {completed.returncode}"
            raise GitError(f"git {' '.join(args)} failed: {' | '.join(output.splitlines())}")
        return completed.stdout

    def rev_parse(self, revision: str) -> str:
        return self.run("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").strip()

    def has_tracked_changes(self) -> bool:
        return bool(self.run("status", "--porcelain", "--untracked-files=no").strip())

    def fetch_branch(self, remote: str, branch: str) -> str:
        """Fetch `branch` from `remote` into its remote-tracking ref; return the fetched commit."""
        tracking_ref = f"refs/remotes/{remote}/{branch}"
        self.run("fetch", "--quiet", "--no-tags", remote, f"+refs/heads/{branch}:{tracking_ref}")
        return self.rev_parse(tracking_ref)

    def checkout_detached(self, commit: str) -> None:
        """Move the work tree to `commit`. Tracked changes must be gone (`has_tracked_changes`);
        git itself refuses to overwrite an untracked file, and `untracked_in` finds the ignored
        ones it would overwrite silently."""
        self.run("checkout", "--quiet", "--detach", commit)

    def untracked_in(self, commit: str) -> list[str]:
        """Files of `commit` that exist in the work tree untracked or ignored: moving the work
        tree to `commit` would replace them."""
        wanted = set(self.run("ls-tree", "-r", "-z", "--name-only", commit).split("\0"))
        present = self.run("ls-files", "-z", "--others").split("\0")
        return sorted(path for path in present if path and path in wanted)

    def current_ref(self) -> str:
        """HEAD as `checkout` takes it back: the branch's name, or the commit when detached."""
        try:
            return self.run("symbolic-ref", "--quiet", "--short", "HEAD").strip()
        except GitError:
            return self.rev_parse("HEAD")

    def restore(self, ref: str) -> None:
        """Drop tracked changes (staged or not) and move back to `ref`; untracked files stay."""
        self.run("reset", "--quiet", "--hard")
        self.run("checkout", "--quiet", ref)

    def is_tracked(self, commit: str, path: str) -> bool:
        """Whether `path` is a file of `commit`."""
        try:
            kind = self.run("cat-file", "-t", f"{commit}:{path}").strip()
        except GitError:
            return False
        return kind == "blob"

    def commit_file(
        self, path: str | os.PathLike[str], message: str, author_name: str, author_email: str
    ) -> str:
        """Commit `path` as the given identity (author and committer); return the new commit."""
        identity = {
            "GIT_AUTHOR_NAME": author_name,
            "GIT_AUTHOR_EMAIL": author_email,
            "GIT_COMMITTER_NAME": author_name,
            "GIT_COMMITTER_EMAIL": author_email,
        }
        self.run("add", "--", str(path))
        self.run(
            "-c",
            "commit.gpgsign=false",
            "commit",
            "--quiet",
            "--message",
            message,
            "--",
            str(path),
            env=identity,
        )
        return self.rev_parse("HEAD")

    def push(self, remote: str, branch: str) -> str | None:
        """Push HEAD to `branch` on `remote`: None on success, git's error output on rejection."""
        try:
            self.run("push", "--porcelain", remote, f"HEAD:refs/heads/{branch}")
        except GitError as error:
            return str(error)
        return None

    def committer_email(self, revision: str) -> str:
        return self.run("log", "-1", "--format=%ce", revision).strip()

    def knows(self, revision: str) -> bool:
        """Whether the clone has the commit `revision`."""
        try:
            self.rev_parse(revision)
        except GitError:
            return False
        return True

    def is_merge(self, revision: str) -> bool:
        return len(self.run("rev-list", "--parents", "-n", "1", revision).split()) > 2

    def changed_paths(self, revision: str) -> set[str]:
        """The paths `revision` changes against its first parent."""
        output = self.run("diff-tree", "--no-commit-id", "--name-only", "-r", "-z", revision)
        return {path for path in output.split("\0") if path}

    def commit_message(self, revision: str) -> str:
        return self.run("log", "-1", "--format=%B", revision)

    def commits_between(self, older: str, newer: str) -> list[str]:
        """Commits reachable from `newer` but not from `older`, newest first."""
        return self.run("rev-list", f"{older}..{newer}").split()

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        try:
            self.run("merge-base", "--is-ancestor", ancestor, descendant)
        except GitError:
            return False
        return True
