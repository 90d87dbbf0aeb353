"""The app against PostgreSQL over verified TLS, configured exactly as production configures it.

The chain from configuration to connection, each link the real one where it runs here:
config/prod.yaml -> the database's ExternalSecret (`app_database_secret`, rendered by the real
`helm/aws-secrets` chart) -> the Secret External Secrets would write (its Go template evaluated
for the one form the chart emits) -> the files and variables of the prod Deployment (the real
`helm/django-app` chart) -> Django, gunicorn and libpq against a real PostgreSQL that accepts TLS
only, with a certificate from a throwaway CA. Only the operator itself (and so the evaluation of
its template) is emulated. Needs the full test environment (helm-python-sdk): skipped in the
Django-only venv of `make test-django`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

import psycopg
import pytest

from conftest import PostgresServer, _find_postgres_bin_dir

helm_python = pytest.importorskip("helm_python", reason="the chart tests' venv (make test)")
yaml = pytest.importorskip("yaml")

REPO_ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Rds:p%ss#w+rd?&=x~_.-1"
"""Characters RDS may put in a password (all printable ASCII but / ' " @ and space)."""
USER = "django"


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_ca(directory: Path, name: str) -> Path:
    """A self-signed CA (`<name>.pem`, `<name>.key`) in `directory`."""
    openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", f"/CN={name}", "-keyout", f"{name}.key", "-out", f"{name}.pem",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=directory,
    )  # fmt: skip
    return directory / f"{name}.pem"


def make_server_certificate(directory: Path, ca: str) -> None:
    """`server.crt`/`server.key` for the name `localhost` only, signed by `ca`."""
    openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
        "-keyout", "server.key", "-out", "server.csr", cwd=directory,
    )  # fmt: skip
    (directory / "server.ext").write_text(
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
    )
    openssl(
        "x509", "-req", "-in", "server.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
        "-CAcreateserial", "-days", "2", "-extfile", "server.ext", "-out", "server.crt",
        cwd=directory,
    )  # fmt: skip


class TlsPostgresServer(PostgresServer):
    """The session's PostgreSQL, but TLS only: every TCP connection without TLS is rejected."""

    def __init__(self, bin_dir: Path, base_dir: Path) -> None:
        super().__init__(bin_dir, base_dir)
        self.ca = make_ca(base_dir, "ca")
        make_server_certificate(base_dir, "ca")
        (base_dir / "pg_hba.conf").write_text(
            "hostnossl all all all reject\nhostssl all all 127.0.0.1/32 scram-sha-256\n"
        )
        (base_dir / "server.key").chmod(0o600)
        if self._run_as:
            for name in ("server.crt", "server.key", "pg_hba.conf"):
                shutil.chown(base_dir / name, user=self._run_as[2])

    def start(self) -> None:
        self._pg(
            "pg_ctl", "start", "--wait", f"--pgdata={self.data_dir}", f"--log={self.log_file}",
            "-o",
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.base_dir} -c fsync=off -c ssl=on "
            f"-c ssl_cert_file={self.base_dir}/server.crt "
            f"-c ssl_key_file={self.base_dir}/server.key "
            f"-c hba_file={self.base_dir}/pg_hba.conf",
        )  # fmt: skip
        self.running = True

    def admin(self, sql: str, database: str = "postgres") -> None:
        url = (
            f"postgres://{self.superuser}:{self.password}@localhost:{self.port}/{database}"
            f"?sslmode=verify-full&sslrootcert={self.ca}"
        )
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(sql)


@pytest.fixture(scope="module")
def tls_postgres():
    bin_dir = _find_postgres_bin_dir()
    if bin_dir is None:
        pytest.fail("PostgreSQL server binaries not found (make test installs them)")
    base_dir = Path(tempfile.mkdtemp(prefix="delivery-postgres-tls-"))
    server = TlsPostgresServer(bin_dir, base_dir)
    try:
        server.initialise()
        server.start()
        server.admin(
            f"CREATE ROLE {USER} LOGIN CREATEDB PASSWORD "
            f"'{PASSWORD}'"  # the test's own throwaway server
        )
        server.admin(f"CREATE DATABASE django OWNER {USER}")
        yield server
    finally:
        if server.running:
            server.stop(mode="immediate")
        shutil.rmtree(base_dir, ignore_errors=True)


def evaluate_eso_template(template: str, secret: dict[str, str]) -> str:
    """What External Secrets' Go template engine makes of `template` with `secret`'s keys, for
    the only form the chart emits, `{{ .<key> | urlquery }}` (Go's url.QueryEscape, which
    Python's quote_plus matches); anything else fails the test."""
    result = re.sub(
        r"\{\{ \.(\w+) \| urlquery \}\}",
        lambda match: urllib.parse.quote_plus(secret[match.group(1)]),
        template,
    )
    assert "{{" not in result, f"a template form this emulation does not know: {template}"
    return result


def database_secret_data(server: TlsPostgresServer, ca_bundle: str) -> dict[str, str]:
    """The data of the Secret External Secrets writes for prod's database, pointed at `server`
    (localhost stands in for the RDS endpoint), with RDS's secret holding USER and PASSWORD."""
    from infra_config import load_config
    from infra_config.secrets import app_database_secret
    from infra_constructs.external_secrets import external_secrets_values

    secret = app_database_secret(
        load_config("prod"),
        secret_arn="arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0-AbCdEf",
        host="localhost",
        port=str(server.port),
        ca_bundle=ca_bundle,
    )
    values = external_secrets_values([secret], 60)
    rendered = helm_python.Chart.load(str(REPO_ROOT / "helm" / "aws-secrets")).render(
        values=values, name="django-app-secrets", namespace="django-app"
    )
    [external_secret] = [m for t in rendered.values() for m in yaml.safe_load_all(t) if m]
    template = external_secret["spec"]["target"]["template"]["data"]
    remote = {USER: USER, "username": USER, "password": PASSWORD}
    return {key: evaluate_eso_template(text, remote) for key, text in template.items()}


def prod_pod_environment(secret_data: dict[str, str], mount_root: Path) -> dict[str, str]:
    """The prod web container's database variables, with the chart's Secret volume written
    under `mount_root` as the kubelet would write it (each item's key to its path)."""
    from policy.render_chart import CHART_DIR, user_values

    rendered = helm_python.Chart.load(str(CHART_DIR)).render(
        values=user_values("prod"), name="django-app", namespace="django-app"
    )
    [deployment] = [
        m
        for name, text in rendered.items()
        if name.endswith(".yaml")
        for m in yaml.safe_load_all(text)
        if m and m["kind"] == "Deployment"
    ]
    pod = deployment["spec"]["template"]["spec"]
    [container] = pod["containers"]
    [volume] = [v for v in pod["volumes"] if v["name"] == "database"]
    [mount] = [m for m in container["volumeMounts"] if m["name"] == "database"]
    mount_root.mkdir(parents=True, exist_ok=True)
    for item in volume["secret"]["items"]:
        (mount_root / item["path"]).write_text(secret_data[item["key"]])
    return {
        variable["name"]: variable["value"].replace(mount["mountPath"], str(mount_root))
        for variable in container["env"]
        if variable["name"].startswith(("DATABASE_", "PG"))
    }


def app_environment(database_variables: dict[str, str], settings: str) -> dict[str, str]:
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "DATABASE_", "PG", "GUNICORN_", "APP_VERSION"))
    }
    return {**inherited, **database_variables, "DJANGO_SETTINGS_MODULE": settings}


def test_prod_pods_verify_the_servers_certificate_and_name(tls_postgres, tmp_path):
    variables = prod_pod_environment(
        database_secret_data(tls_postgres, tls_postgres.ca.read_text()), tmp_path / "database"
    )
    assert variables["PGSSLMODE"] == "verify-full"
    assert set(variables) == {"DATABASE_URL_FILE", "PGSSLMODE", "PGSSLROOTCERT"}
    url = Path(variables["DATABASE_URL_FILE"]).read_text()
    assert PASSWORD not in url, "the password is URL-encoded in the URL"
    environment = {**os.environ, **{k: v for k, v in variables.items() if k.startswith("PG")}}

    def connects(url: str, **overrides: str) -> str:
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                "import psycopg, sys; psycopg.connect(sys.argv[1]).close()",
                url,
            ],
            env={**environment, **overrides},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return result.stderr

    assert connects(url) == ""
    assert "certificate verify failed" in connects(
        url, PGSSLROOTCERT=str(make_ca(tmp_path, "other"))
    )
    assert "does not match host name" in connects(url.replace("@localhost:", "@127.0.0.1:"))
    assert "rejects connection" in connects(url, PGSSLMODE="disable"), "the server is TLS only"


def test_the_django_test_suite_passes_over_tls_with_prods_database_settings(
    tls_postgres, tmp_path, manage
):
    variables = prod_pod_environment(
        database_secret_data(tls_postgres, tls_postgres.ca.read_text()), tmp_path / "database"
    )
    result = manage("test", "--noinput", env=app_environment(variables, "config.settings.test"))
    report = f"{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, report
    ran = re.search(r"^Ran (\d+) tests? in ", result.stderr, re.MULTILINE)
    assert ran and int(ran.group(1)) > 0, report
    # Only the file could have told it where to connect: the environment has no URL.
    assert "DATABASE_URL" not in variables and "DATABASE_URL_FILE" in variables


def test_a_rotated_password_reaches_a_running_app_without_a_restart(
    tls_postgres, tmp_path, start_gunicorn, production_environment
):
    mount = tmp_path / "database"
    variables = prod_pod_environment(
        database_secret_data(tls_postgres, tls_postgres.ca.read_text()), mount
    )
    environment = {
        **{k: v for k, v in production_environment.items() if k != "DATABASE_URL"},
        **variables,
        "DATABASE_CONN_MAX_AGE": "0",  # a new connection per request: the test needs no wait
    }
    server = start_gunicorn(environment)
    server.wait_for_status("/readyz", 200, timeout=60)

    # RDS rotates: the old password stops working; the mounted file still holds it.
    rotated = PASSWORD + "-rotated"
    tls_postgres.admin(f"ALTER ROLE {USER} PASSWORD '{rotated}'")
    server.wait_for_status("/readyz", 503, timeout=30)

    # External Secrets rewrites the Secret, the kubelet the file: the next connection uses it.
    url_file = Path(variables["DATABASE_URL_FILE"])
    url_file.write_text(
        url_file.read_text().replace(
            urllib.parse.quote_plus(PASSWORD), urllib.parse.quote_plus(rotated)
        )
    )
    server.wait_for_status("/readyz", 200, timeout=30)
    assert server.process.poll() is None, "the same processes serve: no restart"
    tls_postgres.admin(f"ALTER ROLE {USER} PASSWORD '{PASSWORD}'")
