"""The service as deployed: migrated database, gunicorn, production settings, probes."""

import re
import socket

import pytest

PROBE_HOST = "10.0.12.34:8000"
"""What kubelet sends as Host header: the pod IP, which is not in ALLOWED_HOSTS."""

VERSION_CELL = re.compile(r'<td class="version"><code>(.*?)</code></td>')
STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)">')


def release_rows(postgres, database_url):
    return postgres.query(database_url, "SELECT version, hostname FROM releases_release")


@pytest.fixture
def migrated_service(manage, postgres, production_environment):
    """The database migrated and the static files collected, as a deployment does."""
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        result = manage(*command, env=production_environment)
        assert result.returncode == 0, result.stdout + result.stderr
    return production_environment


def test_gunicorn_serves_the_app_and_follows_the_database(
    migrated_service, postgres, start_gunicorn
):
    environment = migrated_service
    database_url, version = environment["DATABASE_URL"], environment["APP_VERSION"]
    public = {"Host": environment["DJANGO_ALLOWED_HOSTS"], "X-Forwarded-Proto": "https"}
    assert release_rows(postgres, database_url) == [], (
        "migrate/collectstatic must not record a release"
    )

    server = start_gunicorn(environment)
    try:
        server.wait_for_status("/healthz", 200, timeout=20)

        # Probes: plain HTTP, pod IP as Host.
        assert server.get("/healthz", {"Host": PROBE_HOST})[::2] == (200, '{"status": "ok"}')
        assert server.get("/readyz", {"Host": PROBE_HOST})[::2] == (
            200,
            '{"status": "ok", "database": "ok"}',
        )

        # Each of the two workers records the release; the database holds it once.
        server.wait_for_log(
            lambda event: event.get("message") == "Recorded release", count=2, timeout=10
        )
        assert release_rows(postgres, database_url) == [(version, socket.gethostname())]

        status, _, page = server.get("/", public)
        assert status == 200, page
        assert VERSION_CELL.findall(page) == [version]

        status, headers, _ = server.get("/", {"Host": environment["DJANGO_ALLOWED_HOSTS"]})
        assert (status, headers["Location"]) == (
            301,
            f"https://{environment['DJANGO_ALLOWED_HOSTS']}/",
        )

        stylesheet = STYLESHEET.search(page).group(1)
        assert re.fullmatch(r"/static/releases/style\.[0-9a-f]{12}\.css", stylesheet), (
            "hashed by the manifest"
        )
        status, headers, _ = server.get(stylesheet, public)
        assert (status, headers["Content-Type"]) == (200, 'text/css; charset="utf-8"')

        postgres.stop()
        status, _, body = server.wait_for_status("/readyz", 503, timeout=5)
        assert body == '{"status": "unavailable", "database": "unreachable"}'
        assert server.get("/healthz", {"Host": PROBE_HOST})[0] == 200

        postgres.start()
        server.wait_for_status("/readyz", 200, timeout=10)
        # Both workers (requests alternate between them) must have reconnected.
        assert [server.get("/readyz")[0] for _ in range(6)] == [200] * 6
        assert VERSION_CELL.findall(server.get("/", public)[2]) == [version]
    finally:
        if not postgres.running:
            postgres.start()
        server.stop()

    assert server.process.returncode == 0, server.output()
    assert server.stderr() == "", "everything is logged to stdout"
    events = server.log_events()
    assert {event["logger"] for event in events} >= {
        "gunicorn.error",
        "gunicorn.access",
        "releases.recording",
    }
    assert any(
        event["logger"] == "config.health" and event["level"] == "WARNING" for event in events
    )
