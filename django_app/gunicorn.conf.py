"""Gunicorn settings, read from environment variables (see README.md).

Gunicorn's own logs (server events and access log) go to stdout as JSON lines,
like the application's logs configured in config/settings/base.py.
"""

import os

from config.json_logging import json_stdout_logging

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Worker heartbeat files on a memory filesystem: faster than an overlay disk and
# still writable when the container's root filesystem is read-only.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# The control socket (gunicornc) is not used in containers; it would need a writable $HOME.
control_socket_disable = True

accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
logconfig_dict = json_stdout_logging(
    loglevel.upper(),
    {
        "gunicorn.error": {"handlers": ["stdout"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    },
)
