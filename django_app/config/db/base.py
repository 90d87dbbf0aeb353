"""Django's PostgreSQL backend, reading the credentials and the endpoint again from the URL file
(`settings_dict["URL_FILE"]`) before each new connection, and taking them when the file changed:
after RDS rotates the password and the mounted Secret changes, the next connection uses the new
one. Open connections are untouched; reading a file of a few hundred bytes costs microseconds
next to a TLS handshake."""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base

from config.database_url import changed_credentials


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        if self.settings_dict.get("URL_FILE"):
            self.settings_dict.update(changed_credentials(self.settings_dict))
        return super().get_connection_params()
