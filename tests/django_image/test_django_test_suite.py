"""The Django app's own test suite, run against a real PostgreSQL server."""

import os
import re


def test_django_app_test_suite_passes_on_postgresql(manage, database_url):
    environment = {
        **{
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("DJANGO_", "DATABASE_"))
        },
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
    }

    result = manage("test", "--noinput", env=environment)

    report = f"{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, report
    ran = re.search(r"^Ran (\d+) tests? in ", result.stderr, re.MULTILINE)
    assert ran and int(ran.group(1)) > 0, report
    assert re.search(r"^OK$", result.stderr, re.MULTILINE), f"failures or skips:\n{report}"
