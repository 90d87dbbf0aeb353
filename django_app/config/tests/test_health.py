import time
from unittest import mock

from django.db import connection
from django.db.utils import ConnectionHandler
from django.test import SimpleTestCase, TestCase, override_settings

from config.tests.helpers import closed_port

POD_IP_HOST = "10.0.12.34:8000"
"""What kubelet sends as Host header: the pod IP, never in ALLOWED_HOSTS."""

PRODUCTION_LIKE = override_settings(ALLOWED_HOSTS=["app.example.com"], SECURE_SSL_REDIRECT=True)


class LivenessTests(SimpleTestCase):
    """SimpleTestCase forbids database queries: /healthz must not make any."""

    def test_healthz_answers_ok_without_database(self) -> None:
        response = self.client.get("/healthz")

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok"})

    @PRODUCTION_LIKE
    def test_probe_over_plain_http_with_pod_ip_host_is_answered(self) -> None:
        response = self.client.get("/healthz", headers={"host": POD_IP_HOST})

        self.assertEqual(response.status_code, 200)

    @PRODUCTION_LIKE
    def test_other_paths_still_reject_unknown_hosts(self) -> None:
        with self.assertLogs("django.security.DisallowedHost", "ERROR"):
            response = self.client.get("/", headers={"host": POD_IP_HOST})

        self.assertEqual(response.status_code, 400)


class ReadinessTests(TestCase):
    def test_readyz_ok_when_database_answers(self) -> None:
        response = self.client.get("/readyz")

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok", "database": "ok"})

    @PRODUCTION_LIKE
    def test_probe_over_plain_http_with_pod_ip_host_is_answered(self) -> None:
        response = self.client.get("/readyz", headers={"host": POD_IP_HOST})

        self.assertEqual(response.status_code, 200)

    def test_readyz_503_quickly_when_database_unreachable(self) -> None:
        with closed_port() as port:
            unreachable = ConnectionHandler(
                {"default": {**connection.settings_dict, "HOST": "127.0.0.1", "PORT": port}}
            )
            started = time.monotonic()
            with (
                mock.patch("config.health.connections", unreachable),
                self.assertLogs("config.health", "WARNING") as logs,
                self.assertLogs("django.request", "ERROR"),
            ):
                response = self.client.get("/readyz")
            elapsed = time.monotonic() - started
            unreachable.close_all()

        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json(), {"status": "unavailable", "database": "unreachable"})
        self.assertIn("database unreachable", logs.output[0])
        self.assertLess(elapsed, 2, "a refused connection must not wait for a timeout")
