"""The runbook as code: the order in which an environment goes up and comes down.

One sequence, two executors: `make deploy`/`make destroy` run it with the real cdktf CLI against
an AWS account, the deploy rehearsal with real Terraform against the emulator. The sequence
decides what to do from what exists (where the backend's state is), so it is resumable: stopped
half way, the next run continues; with nothing changed, a run applies nothing new.

Deploy: the backend on local state (bootstrap) and its state migrated into the bucket it
created, or, once that is done, the backend on its bucket; then every other stack wave by wave in
the order `deployment.order` derives from main.py's dependencies. Destroy: every stack but the
backend in reverse order, each after its pre-destroy clean-up (what controllers created outside
Terraform); then, only when asked twice, the backend: state back to local, bucket emptied,
stack destroyed.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Protocol, TextIO

from deployment.order import StackGraph, StackOrderError

BOOTSTRAP_STACK = "backend"
"""The stack that creates the state bucket: applied first on local state, destroyed last."""

PROGRESS_SECONDS = 20.0
"""A step that takes longer prints a progress line this often."""


class BackendState(enum.Enum):
    """Where the backend stack's own state is."""

    ABSENT = "absent"
    """Nowhere: nothing is deployed (or everything was destroyed)."""
    LOCAL = "local"
    """In the local state file: bootstrapped, not migrated (or migrated back for teardown)."""
    S3 = "s3"
    """In the state bucket, beside every other stack's state."""


class Executor(Protocol):
    """What the sequence needs from the tool that applies stacks (cdktf CLI or terraform)."""

    parallel_waves: bool
    """Whether the stacks of one wave may run side by side."""

    def backend_state(self) -> BackendState: ...

    def apply_backend(self, on: BackendState) -> None:
        """Apply the backend stack with its state `on` LOCAL or S3."""

    def migrate_backend(self, to: BackendState) -> None:
        """Move the backend's state to S3 (then check the plan is empty and drop the local
        file) or back to LOCAL."""

    def apply(self, stack: str) -> None: ...

    def clean_up_before_destroy(self, stack: str) -> None:
        """Remove what controllers created outside Terraform that would block `stack`'s
        destroy (load balancers in the VPC, Argo CD Applications with finalizers)."""

    def destroy(self, stack: str) -> None: ...

    def empty_state_bucket(self) -> None: ...

    def destroy_backend(self) -> None:
        """Destroy the backend stack on local state (its bucket empty)."""


class SequenceError(Exception):
    """The sequence cannot start or a step failed; the message is one line."""


class Report:
    """One line per step with its duration; a progress line for a step still running after
    `progress_seconds` (default `PROGRESS_SECONDS`; None: no progress lines, for steps whose
    tool prints its own and may be waiting for an answer on the same terminal)."""

    def __init__(self, out: TextIO, progress_seconds: float | None = PROGRESS_SECONDS) -> None:
        self.out = out
        self.progress_seconds = progress_seconds
        self.done: list[str] = []

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        started = time.monotonic()
        stop = threading.Event()

        def progress() -> None:
            if self.progress_seconds is None:
                return
            while not stop.wait(self.progress_seconds):
                self._line(f"..     {time.monotonic() - started:6.0f}s  {title}")

        ticker = threading.Thread(target=progress, daemon=True)
        ticker.start()
        try:
            yield
        except BaseException:
            self._line(f"FAILED {time.monotonic() - started:6.1f}s  {title}")
            raise
        finally:
            stop.set()
            ticker.join()
        self._line(f"ok     {time.monotonic() - started:6.1f}s  {title}")
        self.done.append(title)

    def _line(self, text: str) -> None:
        print(text, file=self.out, flush=True)


def _checked(graph: StackGraph) -> StackGraph:
    if BOOTSTRAP_STACK not in graph.dependencies:
        raise SequenceError(f"no {BOOTSTRAP_STACK!r} stack: it creates the state bucket")
    first = graph.deploy_waves()[0]
    if first != (BOOTSTRAP_STACK,):
        raise SequenceError(
            f"every stack must depend on {BOOTSTRAP_STACK!r} (it creates the state bucket); "
            f"the first deploy wave is {', '.join(first)}"
        )
    return graph


def _wave(executor: Executor, action: Callable[[str], None], wave: tuple[str, ...]) -> None:
    if executor.parallel_waves and len(wave) > 1:
        with ThreadPoolExecutor(max_workers=len(wave)) as pool:
            for future in [pool.submit(action, name) for name in wave]:
                future.result()
    else:
        for name in wave:
            action(name)


def deploy(graph: StackGraph, executor: Executor, report: Report) -> None:
    """Everything in `graph`, from wherever the last run stopped."""
    waves = _checked(graph).deploy_waves()
    state = executor.backend_state()
    if state is BackendState.S3:
        with report.step(f"{BOOTSTRAP_STACK}: apply on its own bucket"):
            executor.apply_backend(BackendState.S3)
    else:
        with report.step(f"{BOOTSTRAP_STACK}: bootstrap on local state"):
            executor.apply_backend(BackendState.LOCAL)
        with report.step(f"{BOOTSTRAP_STACK}: migrate its state into the bucket"):
            executor.migrate_backend(BackendState.S3)
    for wave in waves[1:]:
        with report.step(f"apply {' + '.join(wave)}"):
            _wave(executor, executor.apply, wave)


def destroy(
    graph: StackGraph, executor: Executor, report: Report, *, including_backend: bool
) -> None:
    """Every stack but the backend in reverse order, each after its clean-up; the backend too
    when `including_backend` (the state bucket and lock table go, with every state version)."""
    waves = _checked(graph).destroy_waves()

    def clean_and_destroy(name: str) -> None:
        executor.clean_up_before_destroy(name)
        executor.destroy(name)

    for wave in waves[:-1]:
        with report.step(f"destroy {' + '.join(wave)}"):
            _wave(executor, clean_and_destroy, wave)
    if not including_backend:
        return
    state = executor.backend_state()
    if state is BackendState.S3:
        with report.step(f"{BOOTSTRAP_STACK}: move its state back to local"):
            executor.migrate_backend(BackendState.LOCAL)
        state = BackendState.LOCAL
    if state is BackendState.LOCAL:
        with report.step(f"{BOOTSTRAP_STACK}: empty the state bucket, destroy"):
            executor.empty_state_bucket()
            executor.destroy_backend()


__all__ = [
    "BOOTSTRAP_STACK",
    "BackendState",
    "Executor",
    "Report",
    "SequenceError",
    "StackOrderError",
    "deploy",
    "destroy",
]
