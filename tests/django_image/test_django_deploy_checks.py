"""Production settings: Django's deployment checklist and the refusal of insecure starts."""

import json

MISSING_SECRET_KEY = "The DJANGO_SECRET_KEY environment variable is required but is not set."


def test_check_deploy_passes_with_production_settings(manage, production_environment):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_environment)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_flags_a_weak_secret_key(manage, production_environment):
    weak = {**production_environment, "DJANGO_SECRET_KEY": "too-short"}

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=weak)

    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_production_settings_refuse_to_start_without_secret_key(manage, production_environment):
    del production_environment["DJANGO_SECRET_KEY"]

    result = manage("check", env=production_environment)

    assert result.returncode != 0
    assert MISSING_SECRET_KEY in result.stderr


def test_gunicorn_refuses_to_serve_without_secret_key(start_gunicorn, production_environment):
    del production_environment["DJANGO_SECRET_KEY"]

    server = start_gunicorn(production_environment)
    exit_code = server.process.wait(timeout=20)

    assert exit_code != 0
    failures = [
        json.loads(line)
        for line in server.stdout().splitlines()
        if "Exception in worker process" in line
    ]
    assert failures, server.output()
    assert MISSING_SECRET_KEY in failures[0]["exc_info"]
