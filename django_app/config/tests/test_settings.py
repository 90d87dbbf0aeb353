"""Production settings, loaded in a fresh interpreter as a deployed process would."""

import json
import subprocess
import tempfile
from pathlib import Path

from django.test import SimpleTestCase

from config.tests.helpers import REALISTIC_SECRET_KEY, closed_port, run_python

PRODUCTION_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": REALISTIC_SECRET_KEY,
    "DJANGO_ALLOWED_HOSTS": "app.example.com,www.example.com",
    "DATABASE_URL": "postgres://app:app@db.internal:5432/app",
}

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
database = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "APP_VERSION": settings.APP_VERSION,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "CSRF_TRUSTED_ORIGINS": settings.CSRF_TRUSTED_ORIGINS,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SECURE_PROXY_SSL_HEADER": settings.SECURE_PROXY_SSL_HEADER,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "DATABASE_HOST": database["HOST"],
    "DATABASE_ENGINE": database["ENGINE"],
    "CONNECT_TIMEOUT": database["OPTIONS"]["connect_timeout"],
    "CONN_MAX_AGE": database["CONN_MAX_AGE"],
}))
"""


class ProductionSettingsTests(SimpleTestCase):
    def load(self, **overrides: str | None) -> subprocess.CompletedProcess[str]:
        environment = {**PRODUCTION_ENVIRONMENT, **overrides}
        return run_python(
            PRINT_SETTINGS,
            **{name: value for name, value in environment.items() if value is not None},
        )

    def test_realistic_environment_gives_secure_settings(self) -> None:
        result = self.load()

        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(
            json.loads(result.stdout),
            {
                "DEBUG": False,
                "APP_VERSION": "unknown",
                "ALLOWED_HOSTS": ["app.example.com", "www.example.com"],
                "CSRF_TRUSTED_ORIGINS": [],
                "SECURE_SSL_REDIRECT": True,
                "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
                "SESSION_COOKIE_SECURE": True,
                "CSRF_COOKIE_SECURE": True,
                "SECURE_HSTS_SECONDS": 60,
                "DATABASE_HOST": "db.internal",
                "DATABASE_ENGINE": "django.db.backends.postgresql",
                "CONNECT_TIMEOUT": 3,
                "CONN_MAX_AGE": 60,
            },
        )

    def test_knobs_are_read_from_environment(self) -> None:
        result = self.load(
            DJANGO_SECURE_SSL_REDIRECT="false",
            DJANGO_SECURE_HSTS_SECONDS="31536000",
            DATABASE_CONNECT_TIMEOUT="5",
            DATABASE_CONN_MAX_AGE="0",
            APP_VERSION="sha-1234abc",
            DJANGO_CSRF_TRUSTED_ORIGINS="https://app.example.com",
        )

        self.assertEqual(result.returncode, 0, result.stderr)
        loaded = json.loads(result.stdout)
        self.assertEqual(loaded["SECURE_SSL_REDIRECT"], False)
        self.assertEqual(loaded["SECURE_HSTS_SECONDS"], 31536000)
        self.assertEqual(loaded["CONNECT_TIMEOUT"], 5)
        self.assertEqual(loaded["CONN_MAX_AGE"], 0)
        self.assertEqual(loaded["APP_VERSION"], "sha-1234abc")
        self.assertEqual(loaded["CSRF_TRUSTED_ORIGINS"], ["https://app.example.com"])

    def test_refuses_to_start_without_secret_key(self) -> None:
        result = self.load(DJANGO_SECRET_KEY=None)

        self.assertNotEqual(result.returncode, 0)
        self.assertIn(
            "The DJANGO_SECRET_KEY environment variable is required but is not set.", result.stderr
        )

    def test_refuses_to_start_without_allowed_hosts(self) -> None:
        result = self.load(DJANGO_ALLOWED_HOSTS=None)

        self.assertNotEqual(result.returncode, 0)
        self.assertIn("The DJANGO_ALLOWED_HOSTS environment variable is required", result.stderr)

    def test_refuses_non_postgresql_database(self) -> None:
        result = self.load(DATABASE_URL="sqlite:///tmp/app.sqlite3")

        self.assertNotEqual(result.returncode, 0)
        self.assertIn("DATABASE_URL must be a PostgreSQL URL", result.stderr)

    def test_the_url_can_come_from_a_file_read_by_the_reloading_backend(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            url_file = Path(directory) / "url"
            url_file.write_text("postgres://app:p%40ss@rds.internal:5432/app\n")
            result = self.load(DATABASE_URL=None, DATABASE_URL_FILE=str(url_file))

        self.assertEqual(result.returncode, 0, result.stderr)
        loaded = json.loads(result.stdout)
        self.assertEqual(loaded["DATABASE_HOST"], "rds.internal")
        self.assertEqual(loaded["DATABASE_ENGINE"], "config.db")

    def test_refuses_both_a_url_and_a_url_file(self) -> None:
        result = self.load(DATABASE_URL_FILE="/run/secrets/url")

        self.assertNotEqual(result.returncode, 0)
        self.assertIn("Both DATABASE_URL and DATABASE_URL_FILE are set", result.stderr)

    def test_refuses_a_url_file_that_cannot_be_read(self) -> None:
        result = self.load(DATABASE_URL=None, DATABASE_URL_FILE="/nonexistent/url")

        self.assertNotEqual(result.returncode, 0)
        self.assertIn("DATABASE_URL_FILE='/nonexistent/url' cannot be read", result.stderr)


class WsgiStartupTests(SimpleTestCase):
    def test_server_starts_and_logs_warning_when_database_is_down(self) -> None:
        with closed_port() as port:
            environment = {
                **PRODUCTION_ENVIRONMENT,
                "DATABASE_URL": f"postgres://app:app@127.0.0.1:{port}/app",
                "APP_VERSION": "v-db-down",
            }
            result = run_python("import config.wsgi", **environment)

        self.assertEqual(result.returncode, 0, result.stderr)
        events = [json.loads(line) for line in result.stdout.splitlines()]
        self.assertEqual(
            [(event["level"], event["message"], event["version"]) for event in events],
            [("WARNING", "Could not record release", "v-db-down")],
        )
