"""WSGI entry point, imported by gunicorn workers (and runserver).

Importing it records the release this process runs. Management commands such as
migrate, collectstatic or check never import this module, so they never write.
"""

import os

from django.core.wsgi import get_wsgi_application
from django.db import connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()

# Models can only be imported once get_wsgi_application() has set Django up.
from releases.recording import record_current_release  # noqa: E402

record_current_release()
# Do not keep a connection opened at import time: with gunicorn's preload_app the
# importing process forks workers, which must not share one database socket.
connections.close_all()
