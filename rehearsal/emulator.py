"""The AWS API emulator: moto's server on 127.0.0.1, a free port, for one `with` block."""

from __future__ import annotations

import logging
import os
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from unittest import mock

import boto3
from moto.iam.access_control import PermissionResult
from moto.s3.models import FakeBucket
from moto.server import ThreadedMotoServer


@dataclass(frozen=True)
class Emulator:
    """A running emulator: its `endpoint` URL and the `region` clients default to."""

    endpoint: str
    region: str
    _session: boto3.session.Session = field(
        default_factory=boto3.session.Session, repr=False, compare=False
    )
    _clients: dict = field(default_factory=dict, repr=False, compare=False)

    def client(self, service: str):
        """The boto3 client of `service` that talks to the emulator with fake credentials."""
        if service not in self._clients:
            self._clients[service] = self._session.client(
                service,
                endpoint_url=self.endpoint,
                region_name=self.region,
                aws_access_key_id="rehearsal",
                aws_secret_access_key="rehearsal",
            )
        return self._clients[service]

    def reset(self) -> None:
        """Forget every resource (moto keeps them per process, not per server)."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=30).close()


@contextmanager
def running_emulator(region: str) -> Iterator[Emulator]:
    """moto's server in a thread of this process, empty, stopped when the block ends, however.

    Port 0 lets the OS pick a free port; a thread (not a child process) cannot outlive the run.
    The emulator knows the AWS-managed IAM policies (the stacks attach them).
    moto's bucket policies are not enforced: moto 5.2.5 cannot evaluate a policy condition such
    as `aws:SecureTransport` and applies a conditional Deny unconditionally, so the state
    bucket's TLS-only policy would refuse every object request, Terraform's own included.
    """
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    with (
        mock.patch.dict(os.environ, {"MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}),
        mock.patch.object(FakeBucket, "get_permission", return_value=PermissionResult.NEUTRAL),
    ):
        server.start()
        try:
            host, port = server.get_host_and_port()
            emulator = Emulator(endpoint=f"http://{host}:{port}", region=region)
            emulator.reset()
            yield emulator
            emulator.reset()
        finally:
            server.stop()
