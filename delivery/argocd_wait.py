"""Close the loop after the tag bump: ask Argo CD to refresh the Application at once, then wait
until it is Synced and Healthy at the pushed commit, and fail with Argo CD's own reason when the
rollout fails or does not finish in time.

    ARGOCD_AUTH_TOKEN=... python -m delivery.argocd_wait --server https://argocd.example.com \\
        --application django-app --revision <the bump commit> [--timeout 600] [--interval 5]

It speaks Argo CD's REST API (`GET /api/v1/applications/<name>`, the first time with
`?refresh=normal`, which makes Argo CD compare with Git now instead of at its next poll, up to
3 minutes later). The token comes from the environment only, never the command line, and is
never printed.

Exit status 0: Synced and Healthy at the revision. 1: the sync or the rollout failed, or the
timeout passed (the line says what Argo CD reports). 2: the API refused or could not be reached
at all, or an argument is wrong.
"""

from __future__ import annotations

import http.client
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from delivery.cli import OneLineParser
from delivery.git import Git, GitError

EXIT_HEALTHY, EXIT_FAILED, EXIT_ERROR = 0, 1, 2
TOKEN_VARIABLE = "ARGOCD_AUTH_TOKEN"
FAILED_PHASES = frozenset({"Failed", "Error"})
ERROR_CONDITIONS = frozenset({"ComparisonError", "InvalidSpecError", "SyncError"})
"""Application conditions that mean the revision cannot be deployed as it is."""


class ApiError(Exception):
    """The API answered with an error, or could not be reached; the message says which.
    `lasting`: an answer that another try will not change (refused token, no such
    Application); anything else (a restart of Argo CD, a 502 of the load balancer) is tried
    again until the timeout."""

    def __init__(self, message: str, *, lasting: bool = False) -> None:
        super().__init__(message)
        self.lasting = lasting


class RolloutFailed(Exception):
    """Argo CD reports the sync or the rollout of the revision as failed."""


@dataclass(frozen=True)
class Verdict:
    """What one reading of the Application says: done, failed (with Argo CD's reason), or
    still going (with where it stands)."""

    done: bool
    failure: str | None
    state: str


def judge(application: dict[str, Any], reached: Callable[[str | None], bool]) -> Verdict:
    """Read one Application (the API's JSON). `reached(revision)`: whether a revision Argo CD
    reports is the awaited one or a later one (Argo CD follows the branch: a push after the
    bump moves it on)."""
    status = application.get("status", {})
    sync = status.get("sync", {})
    health = status.get("health", {}).get("status", "Unknown")
    operation = status.get("operationState", {})
    at_revision = reached(sync.get("revision"))
    errors = [c for c in status.get("conditions", []) if c.get("type") in ERROR_CONDITIONS]
    state = (
        f"{sync.get('status', 'Unknown')} at {str(sync.get('revision', '?'))[:12]}, {health}"
        + (f", last sync {operation['phase']}" if operation.get("phase") else "")
        + "".join(f"; {c.get('type')}: {c.get('message', '')}" for c in errors)
    )
    synced_revision = operation.get("syncResult", {}).get("revision")
    if operation.get("phase") in FAILED_PHASES and (
        reached(synced_revision) or (not synced_revision and at_revision)
    ):
        return Verdict(False, f"sync {operation['phase']}: {operation.get('message', '')}", state)
    if at_revision and errors:
        return Verdict(
            False, "; ".join(f"{c['type']}: {c.get('message', '')}" for c in errors), state
        )
    if at_revision and sync.get("status") == "Synced":
        if health == "Healthy" and operation.get("phase") in (None, "Succeeded"):
            return Verdict(True, None, state)
        if health == "Degraded":
            return Verdict(False, f"Degraded: {_reasons(status)}", state)
    return Verdict(False, None, state)


def _reasons(status: dict[str, Any]) -> str:
    """Why Argo CD finds the Application unhealthy: its unhealthy resources and conditions."""
    reasons = [
        f"{resource.get('kind')}/{resource.get('name')}: {resource['health'].get('message', '')}"
        for resource in status.get("resources", [])
        if resource.get("health", {}).get("status") in ("Degraded", "Missing")
    ]
    reasons += [
        f"{condition.get('type')}: {condition.get('message', '')}"
        for condition in status.get("conditions", [])
    ]
    return "; ".join(reasons) or "no reason given"


def fetch(server: str, token: str, application: str, refresh: bool) -> dict[str, Any]:
    """The Application from the API (asking for a refresh first when `refresh`)."""
    query = "?refresh=normal" if refresh else ""
    url = f"{server.rstrip('/')}/api/v1/applications/{urllib.parse.quote(application)}{query}"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as error:
        raise ApiError(
            f"{url.split('?')[0]}: HTTP {error.code} {error.reason}",
            lasting=error.code in (401, 403, 404),
        ) from None
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as error:
        raise ApiError(f"{url.split('?')[0]}: {getattr(error, 'reason', error)}") from None
    if not isinstance(answer, dict):
        raise ApiError(f"{url.split('?')[0]}: the answer is not an Application")
    return answer


def wait(
    read: Callable[[bool], dict[str, Any]],
    reached: Callable[[str | None], bool],
    timeout: float,
    interval: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Refresh, then read the Application every `interval` seconds until it is healthy at
    `revision` (return where it stands), failed (raise `RolloutFailed`) or `timeout` passed
    (raise `RolloutFailed` with the last state)."""
    deadline = clock() + timeout
    refresh = True
    state = "no answer yet"
    while True:
        try:
            verdict = judge(read(refresh), reached)
        except ApiError as error:
            if error.lasting or clock() >= deadline:
                raise
            state = f"the API did not answer: {error}"
        else:
            refresh = False
            state = verdict.state
            if verdict.done:
                return verdict.state
            if verdict.failure:
                raise RolloutFailed(f"{verdict.failure} ({verdict.state})")
        if clock() >= deadline:
            raise RolloutFailed(f"not Synced and Healthy after {timeout:.0f} s: {state}")
        sleep(interval)


def descends_from(git: Git, revision: str) -> Callable[[str | None], bool]:
    """Whether a revision is `revision` or a later commit of the branch (`git fetch`ed once
    when the clone does not know it yet)."""
    fetched = False

    def reached(candidate: str | None) -> bool:
        nonlocal fetched
        if not candidate:
            return False
        if candidate == revision:
            return True
        if not fetched and not git.knows(candidate):
            fetched = True
            try:
                git.run("fetch", "--quiet", "origin")
            except GitError:
                return False
        return git.is_ancestor(revision, candidate)

    return reached


def main(argv: Sequence[str] | None = None) -> int:
    parser = OneLineParser(
        prog="python -m delivery.argocd_wait", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--server", required=True, help="Argo CD's URL, https://...")
    parser.add_argument("--application", required=True, help="the Application's name")
    parser.add_argument("--revision", required=True, help="the commit that must be deployed")
    parser.add_argument("--timeout", type=int, default=600, help="seconds (default 600)")
    parser.add_argument("--interval", type=int, default=5, help="seconds between reads")
    parser.add_argument(
        "--repo-dir",
        default=".",
        help="a clone of the branch: a later revision of it counts as reached (default: .)",
    )
    arguments = parser.parse_args(argv)
    token = os.environ.get(TOKEN_VARIABLE, "")
    if not token:
        parser.error(f"{TOKEN_VARIABLE} is not set: the Argo CD token comes from the environment")
    if not arguments.server.startswith(("https://", "http://")):
        parser.error(f"--server {arguments.server[:80]!r} is not an http(s) URL")
    if not 1 <= arguments.interval <= arguments.timeout <= 3600:
        parser.error("need 1 <= --interval <= --timeout <= 3600")
    try:
        state = wait(
            lambda refresh: fetch(arguments.server, token, arguments.application, refresh),
            descends_from(Git(arguments.repo_dir), arguments.revision),
            arguments.timeout,
            arguments.interval,
        )
    except ApiError as error:
        print(f"argocd_wait: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except RolloutFailed as failure:
        print(f"argocd_wait: error: {' '.join(str(failure).split())[:1000]}", file=sys.stderr)
        return EXIT_FAILED
    print(f"argocd_wait: {arguments.application} is {state}")
    return EXIT_HEALTHY


if __name__ == "__main__":
    sys.exit(main())
