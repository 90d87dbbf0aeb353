"""Fixtures for the delivery tests of the Django service (django_app/).

They run the service as it runs in production: a real PostgreSQL server, the
production settings, gunicorn, all driven through subprocesses of sys.executable.
"""

import contextlib
import glob
import http.client
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

DJANGO_APP_DIR = Path(__file__).resolve().parents[2] / "django_app"
POSTGRES_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout, interval=0.05, message="condition"):
    """Poll `condition` until it returns a truthy value; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def _find_postgres_bin_dir():
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl, else PATH's."""

    def major_version(bin_dir):
        return int(Path(bin_dir).parent.name) if Path(bin_dir).parent.name.isdigit() else 0

    for bin_dir in sorted(glob.glob(POSTGRES_BIN_GLOB), key=major_version, reverse=True):
        if all(
            os.access(Path(bin_dir) / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")
        ):
            return Path(bin_dir)
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).parent
    return None


class PostgresServer:
    """A throwaway PostgreSQL cluster listening on 127.0.0.1 only.

    initdb refuses to run as root, so under root the cluster belongs to the
    `postgres` user (or `nobody` where that user does not exist).
    """

    superuser = "app"

    def __init__(self, bin_dir, base_dir):
        self.bin_dir = bin_dir
        self.base_dir = base_dir
        self.data_dir = base_dir / "data"
        self.log_file = base_dir / "postgres.log"
        self.port = free_port()
        self.password = secrets.token_urlsafe(16)
        self.running = False
        self._run_as = self._unprivileged_prefix()

    def _unprivileged_prefix(self):
        if os.geteuid() != 0:
            return []
        owner = "postgres" if _user_exists("postgres") else "nobody"
        shutil.chown(self.base_dir, user=owner)
        return ["runuser", "-u", owner, "--"]

    def _pg(self, tool, *args):
        command = [*self._run_as, str(self.bin_dir / tool), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        if result.returncode != 0:
            log = self.log_file.read_text() if self.log_file.exists() else ""
            raise RuntimeError(
                f"{tool} failed ({result.returncode}):\n{result.stdout}{result.stderr}\n{log}"
            )

    def initialise(self):
        password_file = self.base_dir / "password"
        password_file.write_text(self.password)
        if self._run_as:
            shutil.chown(password_file, user=self._run_as[2])
        self._pg(
            "initdb",
            f"--pgdata={self.data_dir}",
            f"--username={self.superuser}",
            f"--pwfile={password_file}",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--no-sync",
        )
        password_file.unlink()

    def start(self):
        server_options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.base_dir} -c fsync=off"
        )
        self._pg(
            "pg_ctl",
            "start",
            "--wait",
            f"--pgdata={self.data_dir}",
            f"--log={self.log_file}",
            "-o",
            server_options,
        )
        self.running = True

    def stop(self, mode="fast"):
        self._pg("pg_ctl", "stop", "--wait", f"--pgdata={self.data_dir}", f"--mode={mode}")
        self.running = False

    def url(self, database):
        return f"postgres://{self.superuser}:{self.password}@127.0.0.1:{self.port}/{database}"

    def create_database(self):
        """Create an empty database and return its URL."""
        name = f"delivery_{secrets.token_hex(4)}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def query(self, database_url, sql):
        """Run one query and return all its rows."""
        with psycopg.connect(database_url) as connection:
            return connection.execute(sql).fetchall()


def _user_exists(name):
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server for the whole session, stopped and removed at the end."""
    bin_dir = _find_postgres_bin_dir()
    if bin_dir is None:
        message = (
            "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in "
            f"{POSTGRES_BIN_GLOB} "
            "nor on PATH; install them with `apt-get install -y postgresql-15`."
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)  # in CI a skip would hide a broken setup step
        pytest.skip(message)
    base_dir = Path(tempfile.mkdtemp(prefix="delivery-postgres-"))
    server = PostgresServer(bin_dir, base_dir)
    try:
        server.initialise()
        server.start()
        yield server
    finally:
        if server.running:
            server.stop(mode="immediate")
        shutil.rmtree(base_dir, ignore_errors=True)


@pytest.fixture
def database_url(postgres):
    """URL of a fresh, empty database on the session's PostgreSQL server."""
    return postgres.create_database()


@pytest.fixture
def production_environment(database_url, tmp_path):
    """Environment of a deployed pod: production settings and real-looking values."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "DATABASE_", "GUNICORN_", "APP_VERSION"))
    }
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "app.example.com",
        "DATABASE_URL": database_url,
        "DJANGO_STATIC_ROOT": str(tmp_path / "staticfiles"),
        "APP_VERSION": f"sha-{secrets.token_hex(4)}",
    }


@pytest.fixture
def manage():
    """Run `python manage.py ARGS...` in django_app with the given environment."""

    def run(*args, env):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=DJANGO_APP_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return run


def http_get(port, path, headers=None):
    """GET http://127.0.0.1:PORT/PATH; returns (status, headers, body text)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


class GunicornServer:
    """gunicorn serving django_app with the Dockerfile's command, in its own process group."""

    def __init__(self, environment, log_dir):
        self.port = free_port()
        self.stdout_path = log_dir / f"gunicorn-{self.port}.stdout"
        self.stderr_path = log_dir / f"gunicorn-{self.port}.stderr"
        with open(self.stdout_path, "wb") as stdout, open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "config.wsgi"],
                cwd=DJANGO_APP_DIR,
                env={
                    **environment,
                    "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                    "GUNICORN_WORKERS": "2",
                },
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
            )

    def get(self, path, headers=None):
        return http_get(self.port, path, headers)

    def wait_for_status(self, path, status, timeout):
        """Poll PATH until it answers STATUS; returns that response."""

        def answered():
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited with {self.process.returncode}:\n{self.output()}")
            try:
                response = self.get(path)
            except OSError:  # not listening yet
                return None
            return response if response[0] == status else None

        return wait_until(answered, timeout, message=f"{path} to answer {status}")

    def wait_for_log(self, matches, count, timeout):
        """Poll the log until COUNT events satisfy MATCHES."""
        wait_until(
            lambda: len([event for event in self.log_events() if matches(event)]) >= count,
            timeout,
            message=f"{count} matching log events",
        )

    def log_events(self):
        """Complete stdout lines parsed as JSON; fails on any line that is not JSON."""
        events = []
        *complete_lines, _unfinished = self.stdout().split("\n")
        for line in complete_lines:
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                pytest.fail(f"gunicorn wrote a non-JSON line to stdout: {line!r}")
        return events

    def stop(self, timeout=10):
        """Graceful stop (SIGTERM), then SIGKILL of the whole group if it hangs."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # any straggling worker

    def stdout(self):
        return self.stdout_path.read_text()

    def stderr(self):
        return self.stderr_path.read_text()

    def output(self):
        return f"--- stdout ---\n{self.stdout()}\n--- stderr ---\n{self.stderr()}"


@pytest.fixture
def start_gunicorn(tmp_path):
    """Start gunicorn with an environment; every server started is stopped at teardown."""
    servers = []

    def start(environment):
        server = GunicornServer(environment, tmp_path)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
