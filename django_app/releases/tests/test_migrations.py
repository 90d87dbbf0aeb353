from io import StringIO

from django.core.management import call_command
from django.test import TestCase


class MigrationsTests(TestCase):
    def test_models_and_committed_migrations_agree(self) -> None:
        output = StringIO()
        try:
            call_command("makemigrations", "--check", "--dry-run", stdout=output)
        except SystemExit:
            self.fail(
                "Model changes without a migration; run `python manage.py makemigrations`:\n"
                f"{output.getvalue()}"
            )
