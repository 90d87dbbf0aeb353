"""JSON-lines logging to stdout, shared by Django (settings) and gunicorn (gunicorn.conf.py)."""


def json_stdout_logging(level: str, loggers: dict) -> dict:
    """A `logging.config.dictConfig` dict: one JSON formatter on stdout, root at `level`,
    plus the given `loggers`."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            },
        },
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "json",
            },
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": loggers,
    }
