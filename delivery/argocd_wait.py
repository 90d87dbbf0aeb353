"""Close the loop after the tag bump: wait until Argo CD's Application is Synced and Healthy at
the pushed commit, and fail with Argo CD's own reason when the rollout fails or does not finish
in time.

It reads the Application one of two ways (`judge` and `wait` are the same for both):

    python -m delivery.argocd_wait --kubernetes [--namespace argocd] \\
        --application django-app --revision <the bump commit> [--timeout 600] [--interval 5]

    ARGOCD_AUTH_TOKEN=... python -m delivery.argocd_wait --server https://argocd.example.com \\
        --application django-app --revision <the bump commit> [--timeout 600] [--interval 5]

`--kubernetes` (what the Jenkinsfile uses) reads the Application object from the Kubernetes
API as the pod's own service account, configured in-cluster as client-go does it: the API at
`https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`, the token of
`/var/run/secrets/kubernetes.io/serviceaccount/token` (read again for every request: projected
tokens rotate), TLS verified against `ca.crt` beside it; `--kubernetes-api`, `--token-file` and
`--ca-file` replace them outside a pod (plain http only to a loopback address, such as
`kubectl proxy`). No Argo CD token is needed. This mode only reads: every request is
`GET /apis/argoproj.io/v1alpha1/namespaces/<namespace>/applications/<name>`, every interval,
and the Role in the Application's namespace grants get on `applications.argoproj.io` with
resourceNames [the Application], nothing else (a patch could rewrite `.spec` or `.operation`,
that is deploy anything, and RBAC cannot narrow it to one annotation). It asks for no refresh:
Argo CD notices the push by polling Git every 30 s (`platform.argocd.git_poll_seconds`; the
platform stack sets `timeout.reconciliation`), so the wait starts at once and the sync follows
within about 30 s.

`--server` speaks Argo CD's REST API (`GET /api/v1/applications/<name>`, the first time with
`?refresh=normal`: it asks for a refresh with the caller's token, under Argo CD's own RBAC)
with the token of ARGOCD_AUTH_TOKEN. Tokens come from the environment or a file only, never
the command line, and are never printed.

Exit status 0: Synced and Healthy at the revision. 1: the sync or the rollout failed, or the
timeout passed (the line says what Argo CD reports). 2: the API refused (401, 403: with what
the service account lacks; 404) or could not be reached at all, or an argument, the token file
or the CA file is wrong.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import os
import re
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from delivery.cli import OneLineParser
from delivery.git import Git, GitError

EXIT_HEALTHY, EXIT_FAILED, EXIT_ERROR = 0, 1, 2
TOKEN_VARIABLE = "ARGOCD_AUTH_TOKEN"
FAILED_PHASES = frozenset({"Failed", "Error"})
ERROR_CONDITIONS = frozenset({"ComparisonError", "InvalidSpecError", "SyncError"})
"""Application conditions that mean the revision cannot be deployed as it is."""

SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
IN_CLUSTER_TOKEN_FILE = f"{SERVICE_ACCOUNT_DIR}/token"
IN_CLUSTER_CA_FILE = f"{SERVICE_ACCOUNT_DIR}/ca.crt"
NAME_PATTERN = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")
"""A Kubernetes object name (DNS subdomain), as an Application's name is."""
NAMESPACE_PATTERN = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
"""A namespace's name (DNS label)."""
TOKEN_PATTERN = re.compile(r"[\x21-\x7e]+")
"""A bearer token: printable ASCII, no blanks (all that an HTTP header can carry)."""


class ApiError(Exception):
    """The API answered with an error, or could not be reached; the message says which.
    `lasting`: an answer that another try will not change (refused token, no such
    Application); anything else (a restart of Argo CD, a 502 of the load balancer) is tried
    again until the timeout."""

    def __init__(self, message: str, *, lasting: bool = False) -> None:
        super().__init__(message)
        self.lasting = lasting


class ConfigurationError(Exception):
    """The Kubernetes API cannot be configured: not in a pod, or no readable CA file."""


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


def in_cluster_url(environ: Mapping[str, str]) -> str:
    """The API server's URL as client-go's in-cluster configuration builds it from the service
    variables every pod gets (an IPv6 address in brackets)."""
    host = environ.get("KUBERNETES_SERVICE_HOST", "")
    port = environ.get("KUBERNETES_SERVICE_PORT", "")
    if not host or not port:
        raise ConfigurationError(
            "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set: not in a pod "
            "(pass --kubernetes-api, --token-file and --ca-file)"
        )
    if not port.isdigit():
        raise ConfigurationError(f"KUBERNETES_SERVICE_PORT {port[:20]!r} is not a port number")
    return f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"


def is_loopback(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """The API server does not redirect: a redirect is answered as the error it is, and the
    token is never sent on to another address."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass(frozen=True)
class Kubernetes:
    """The Kubernetes API, spoken to as a service account: `url` (https://host:port, or plain
    http to a loopback address), the bearer token read from `token_file` for every request,
    TLS verified against `ca_file` (unused for http)."""

    url: str
    token_file: Path
    ca_file: Path

    def opener(self) -> urllib.request.OpenerDirector:
        """An opener that verifies the server against the CA file only (read here, once), and
        follows no redirect."""
        if not self.url.startswith("https://"):
            # Loopback only (see main): never through a proxy, which would see the token.
            return urllib.request.build_opener(_NoRedirect, urllib.request.ProxyHandler({}))
        try:
            context = ssl.create_default_context(cafile=str(self.ca_file))
        except (OSError, ssl.SSLError) as error:
            reason = getattr(error, "strerror", None) or getattr(error, "reason", None) or error
            raise ConfigurationError(f"CA file {self.ca_file}: {reason}") from None
        return urllib.request.build_opener(
            _NoRedirect, urllib.request.HTTPSHandler(context=context)
        )

    def token(self) -> str:
        """The service account's token as the file holds it now (projected tokens rotate)."""
        try:
            token = self.token_file.read_text(encoding="ascii").strip()
        except OSError as error:
            raise ApiError(
                f"token file {self.token_file}: {error.strerror or error}", lasting=True
            ) from None
        except UnicodeDecodeError:
            token = ""
        if not TOKEN_PATTERN.fullmatch(token):
            raise ApiError(f"token file {self.token_file} holds no token", lasting=True)
        return token


def application_path(namespace: str, name: str) -> str:
    return (
        f"/apis/argoproj.io/v1alpha1/namespaces/{urllib.parse.quote(namespace, safe='')}"
        f"/applications/{urllib.parse.quote(name, safe='')}"
    )


def kubernetes_fetch(
    api: Kubernetes, opener: urllib.request.OpenerDirector, namespace: str, name: str
) -> dict[str, Any]:
    """The Application object from the Kubernetes API, by a GET: the only verb the Role grants."""
    url = f"{api.url.rstrip('/')}{application_path(namespace, name)}"
    headers = {"Authorization": f"Bearer {api.token()}", "Accept": "application/json"}
    request = urllib.request.Request(url, headers=headers, method="GET")
    try:
        with opener.open(request, timeout=30) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as error:
        hint = {
            401: f"the token of {api.token_file} was refused (expired, or not of this cluster)",
            403: (
                f"the service account needs get on applications.argoproj.io {name} in "
                f"{namespace} (the platform stack's Role)"
            ),
            404: f"no Application {name} in namespace {namespace}",
        }.get(error.code)
        message = _status_message(error)
        raise ApiError(
            f"GET {url}: HTTP {error.code} {error.reason}"
            + (f": {message}" if message else "")
            + (f"; {hint}" if hint else ""),
            lasting=error.code in (401, 403, 404),
        ) from None
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", error)
        # A certificate the CA does not vouch for stays so: no point trying again.
        raise ApiError(
            f"GET {url}: {reason}",
            lasting=isinstance(reason, ssl.SSLCertVerificationError),
        ) from None
    if not isinstance(answer, dict) or answer.get("kind") != "Application":
        raise ApiError(f"GET {url}: the answer is not an Application")
    return answer


def _status_message(error: urllib.error.HTTPError) -> str:
    """The `message` of the Status object the API server answers an error with, on one line."""
    try:
        status = json.loads(error.read(65536))
    except (OSError, ValueError, http.client.HTTPException):
        return ""
    finally:
        error.close()
    message = status.get("message") if isinstance(status, dict) else None
    return " ".join(message.split())[:500] if isinstance(message, str) else ""


def wait(
    read: Callable[[], dict[str, Any]],
    reached: Callable[[str | None], bool],
    timeout: float,
    interval: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Read the Application every `interval` seconds until it is healthy at `revision` (return
    where it stands), failed (raise `RolloutFailed`) or `timeout` passed (raise `RolloutFailed`
    with the last state)."""
    deadline = clock() + timeout
    state = "no answer yet"
    while True:
        try:
            verdict = judge(read(), reached)
        except ApiError as error:
            if error.lasting or clock() >= deadline:
                raise
            state = f"the API did not answer: {error}"
        else:
            state = verdict.state
            if verdict.done:
                return verdict.state
            if verdict.failure:
                raise RolloutFailed(f"{verdict.failure} ({verdict.state})")
        if clock() >= deadline:
            raise RolloutFailed(f"not Synced and Healthy after {timeout:.0f} s: {state}")
        sleep(interval)


def descends_from(git: Git, revision: str) -> Callable[[str | None], bool]:
    """Whether a revision is `revision` or a later commit of the branch. A revision the clone
    does not know (someone pushed during the wait) is fetched, once per revision Argo CD
    reports."""
    fetched: set[str] = set()

    def reached(candidate: str | None) -> bool:
        if not candidate:
            return False
        if candidate == revision:
            return True
        if candidate not in fetched and not git.knows(candidate):
            try:
                git.run("fetch", "--quiet", "origin")
            except GitError:
                return False  # asked again at the next reading
            fetched.add(candidate)
        return git.knows(candidate) and git.is_ancestor(revision, candidate)

    return reached


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    parser = OneLineParser(
        prog="python -m delivery.argocd_wait", description=__doc__.split("\n\n")[0]
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--server", help=f"Argo CD's URL, https://...: read through its API ({TOKEN_VARIABLE})"
    )
    mode.add_argument(
        "--kubernetes",
        action="store_true",
        help="read the Application from the Kubernetes API as the pod's service account",
    )
    parser.add_argument("--application", required=True, help="the Application's name")
    parser.add_argument("--revision", required=True, help="the commit that must be deployed")
    parser.add_argument("--timeout", type=int, default=600, help="seconds (default 600)")
    parser.add_argument("--interval", type=int, default=5, help="seconds between reads")
    parser.add_argument(
        "--repo-dir",
        default=".",
        help="a clone of the branch: a later revision of it counts as reached (default: .)",
    )
    parser.add_argument(
        "--healthy-revision-file",
        help="write the revision Argo CD reports Synced and Healthy here (it may be later than "
        "--revision): what the pipeline records as deployed",
    )
    kubernetes = parser.add_argument_group("with --kubernetes")
    kubernetes.add_argument("--namespace", help="the Application's namespace (default argocd)")
    kubernetes.add_argument(
        "--kubernetes-api",
        metavar="URL",
        help="the API server (default https://$KUBERNETES_SERVICE_HOST:"
        "$KUBERNETES_SERVICE_PORT); plain http only to a loopback address",
    )
    kubernetes.add_argument(
        "--token-file",
        help=f"the service account token, read for every request (default {IN_CLUSTER_TOKEN_FILE})",
    )
    kubernetes.add_argument(
        "--ca-file",
        help=f"the CA that signs the API server's certificate (default {IN_CLUSTER_CA_FILE})",
    )
    arguments = parser.parse_args(argv)
    if not 1 <= arguments.interval <= arguments.timeout <= 3600:
        parser.error("need 1 <= --interval <= --timeout <= 3600")
    try:
        if arguments.kubernetes:
            read = kubernetes_reader(parser, arguments, environ)
        else:
            read = argo_cd_reader(parser, arguments, environ)
        seen: list[dict[str, Any]] = []

        def read_and_keep() -> dict[str, Any]:
            seen[:] = [read()]
            return seen[0]

        state = wait(
            read_and_keep,
            descends_from(Git(arguments.repo_dir), arguments.revision),
            arguments.timeout,
            arguments.interval,
        )
        if arguments.healthy_revision_file:
            healthy = seen[0]["status"]["sync"]["revision"]
            try:
                Path(arguments.healthy_revision_file).write_text(f"{healthy}\n")
            except OSError as error:
                raise ConfigurationError(
                    f"--healthy-revision-file {arguments.healthy_revision_file}: {error.strerror}"
                ) from None
    except (ApiError, ConfigurationError) as error:
        print(f"argocd_wait: error: {' '.join(str(error).split())[:1000]}", file=sys.stderr)
        return EXIT_ERROR
    except RolloutFailed as failure:
        print(f"argocd_wait: error: {' '.join(str(failure).split())[:1000]}", file=sys.stderr)
        return EXIT_FAILED
    print(f"argocd_wait: {arguments.application} is {state}")
    return EXIT_HEALTHY


KUBERNETES_OPTIONS = ("namespace", "kubernetes_api", "token_file", "ca_file")


def argo_cd_reader(
    parser: OneLineParser, arguments: argparse.Namespace, environ: Mapping[str, str]
) -> Callable[[], dict[str, Any]]:
    """Reading through Argo CD's API (`--server`), with the token of ARGOCD_AUTH_TOKEN: asking
    for a refresh until one read succeeds, then plain reads."""
    given = [name for name in KUBERNETES_OPTIONS if getattr(arguments, name) is not None]
    if given:
        parser.error(f"--{given[0].replace('_', '-')} goes with --kubernetes, not --server")
    token = environ.get(TOKEN_VARIABLE, "")
    if not token:
        parser.error(f"{TOKEN_VARIABLE} is not set: the Argo CD token comes from the environment")
    if not arguments.server.startswith(("https://", "http://")):
        parser.error(f"--server {arguments.server[:80]!r} is not an http(s) URL")
    refresh = True

    def read() -> dict[str, Any]:
        nonlocal refresh
        answer = fetch(arguments.server, token, arguments.application, refresh)
        refresh = False
        return answer

    return read


def kubernetes_api(arguments: argparse.Namespace, environ: Mapping[str, str]) -> Kubernetes:
    """The API, token file and CA of the options, each defaulting to the in-cluster one."""
    return Kubernetes(
        url=arguments.kubernetes_api or in_cluster_url(environ),
        token_file=Path(arguments.token_file or IN_CLUSTER_TOKEN_FILE),
        ca_file=Path(arguments.ca_file or IN_CLUSTER_CA_FILE),
    )


def kubernetes_reader(
    parser: OneLineParser, arguments: argparse.Namespace, environ: Mapping[str, str]
) -> Callable[[], dict[str, Any]]:
    """Reading the Application object from the Kubernetes API (`--kubernetes`), GET only."""
    namespace = arguments.namespace or "argocd"
    if not NAMESPACE_PATTERN.fullmatch(namespace):
        parser.error(f"--namespace {namespace[:80]!r} is not a namespace name")
    if not NAME_PATTERN.fullmatch(arguments.application):
        parser.error(f"--application {arguments.application[:80]!r} is not an object name")
    if arguments.kubernetes_api is not None:
        parts = urllib.parse.urlsplit(arguments.kubernetes_api)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.query:
            parser.error(f"--kubernetes-api {arguments.kubernetes_api[:80]!r} is not a URL")
        if parts.scheme == "http" and not is_loopback(arguments.kubernetes_api):
            parser.error(
                "--kubernetes-api: plain http only to a loopback address (the token would "
                "travel in clear)"
            )
    api = kubernetes_api(arguments, environ)
    api.token()  # a missing or empty token file is an error now, not after the timeout
    opener = api.opener()
    return lambda: kubernetes_fetch(api, opener, namespace, arguments.application)


if __name__ == "__main__":
    sys.exit(main())
