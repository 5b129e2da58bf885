import json
import logging
from datetime import UTC, datetime

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                data[key] = value
        if record.exc_info:
            data["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)


class RedactPathFilter(logging.Filter):
    """Django's own request loggers (5xx answers, CSRF refusals) name the
    request's path; put the matched URL pattern in its place, as the request
    log does, so tokens in paths stay out of the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if path and isinstance(record.args, tuple) and path in record.args:
            from omx.middleware import loggable_path  # not at import: logging is set up before the apps

            safe = loggable_path(request)
            record.args = tuple(safe if arg == path else arg for arg in record.args)
        return True


def logging_config(*, level: str, as_json: bool) -> dict:
    """settings.LOGGING: one line per record on stderr, text or JSON."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
            "json": {"()": "omx.logging.JsonFormatter"},
        },
        "filters": {"redact_path": {"()": "omx.logging.RedactPathFilter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json" if as_json else "text"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Requests are logged once by omx.middleware; Django's own request
            # logger would repeat every 4xx/5xx line.
            "django.request": {"level": "ERROR", "handlers": ["console"], "propagate": False,
                               "filters": ["redact_path"]},
            "django.security.csrf": {"filters": ["redact_path"]},
            "django.server": {"level": "WARNING"},
        },
    }
