"""Before a stack that installs into the cluster goes: the Kubernetes objects that own AWS
resources or other workloads are deleted, and waited for, through kubectl.

In order: Argo CD Applications (Argo CD, still running, deletes what each deployed through the
resources finalizer), then Ingresses and `LoadBalancer` Services (the AWS Load Balancer
Controller, still running, deletes their load balancers; its finalizers hold the object until it
has). Each delete waits up to `timeout_seconds`; past that, one line names what is left and how
to look at it, and a new run continues. A cluster that no longer exists has nothing to clean.

kubectl reaches the cluster with a kubeconfig written for this run only (`aws eks
update-kubeconfig --kubeconfig <file>`): the user's own kubeconfig is neither read nor changed.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_TIMEOUT_SECONDS = 600
"""How long one kind of object may take to go (Argo CD deletes an app's volumes too)."""

Runner = Callable[[Sequence[str]], subprocess.CompletedProcess]

MISSING_KIND = "the server doesn't have a resource type"
"""What kubectl says for a kind whose CRD is not installed (no Argo CD: no Applications)."""


class CleanupFailed(Exception):
    """A Kubernetes object did not go, or kubectl failed; the message is one line."""


@dataclass(frozen=True)
class KubernetesObject:
    kind: str
    """kubectl's resource name, e.g. `applications.argoproj.io`."""
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


KINDS: tuple[tuple[str, Callable[[dict], bool]], ...] = (
    ("applications.argoproj.io", lambda item: True),
    ("ingresses.networking.k8s.io", lambda item: True),
    ("services", lambda item: item.get("spec", {}).get("type") == "LoadBalancer"),
)
"""What is deleted, in this order, and which objects of each kind."""


class ClusterObjects:
    """kubectl against one cluster, with a kubeconfig of its own."""

    def __init__(
        self,
        *,
        kubectl: str,
        kubeconfig: Path,
        run: Runner,
        timeout_seconds: int = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.kubectl = kubectl
        self.kubeconfig = kubeconfig
        self.run = run
        self.timeout_seconds = timeout_seconds

    def _kubectl(self, *args: str) -> subprocess.CompletedProcess:
        return self.run(
            [self.kubectl, "--kubeconfig", str(self.kubeconfig), "--request-timeout=60s", *args]
        )

    def find(self, kind: str, wanted: Callable[[dict], bool]) -> list[KubernetesObject]:
        """Every object of `kind` in every namespace that `wanted` selects; none when the
        kind is not installed."""
        result = self._kubectl("get", kind, "--all-namespaces", "-o", "json")
        if result.returncode != 0:
            if MISSING_KIND in result.stderr:
                return []
            raise CleanupFailed(f"kubectl get {kind} failed: {_first_line(result)}")
        try:
            items = json.loads(result.stdout)["items"]
        except (ValueError, KeyError, TypeError):
            raise CleanupFailed(f"kubectl get {kind}: not a JSON list of objects") from None
        return [
            KubernetesObject(kind, item["metadata"]["namespace"], item["metadata"]["name"])
            for item in items
            if wanted(item)
        ]

    def delete(self, found: KubernetesObject) -> None:
        """Delete `found` and wait until it is gone (its finalizers have run)."""
        result = self._kubectl(
            "delete",
            found.kind,
            found.name,
            "--namespace",
            found.namespace,
            "--ignore-not-found",
            "--wait=true",
            f"--timeout={self.timeout_seconds}s",
        )
        if result.returncode != 0:
            raise CleanupFailed(
                f"{found} did not go within {self.timeout_seconds} s ({_first_line(result)}); "
                f"see `kubectl -n {found.namespace} describe {found.kind} {found.name}`, "
                "then run the destroy again"
            )

    def clean_up(self, say: Callable[[str], None] = print) -> list[KubernetesObject]:
        """Every object of `KINDS`, kind by kind; returns what was deleted."""
        deleted = []
        for kind, wanted in KINDS:
            for found in self.find(kind, wanted):
                say(f"deleting {found} and waiting for it to go")
                self.delete(found)
                deleted.append(found)
        return deleted


def write_kubeconfig(*, aws: str, cluster: str, region: str, kubeconfig: Path, run: Runner) -> None:
    """`aws eks update-kubeconfig` into `kubeconfig` (a file of this run, not ~/.kube/config)."""
    result = run(
        [
            aws,
            "eks",
            "update-kubeconfig",
            "--name",
            cluster,
            "--region",
            region,
            "--kubeconfig",
            str(kubeconfig),
        ]
    )
    if result.returncode != 0:
        raise CleanupFailed(f"aws eks update-kubeconfig for {cluster}: {_first_line(result)}")


def _first_line(result: subprocess.CompletedProcess) -> str:
    text = (result.stderr or result.stdout or "").strip()
    return (text.splitlines()[0] if text else f"exit {result.returncode}")[:300]
