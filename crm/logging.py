"""Logging filters: a log a person can read."""

import logging


class ClientErrorsBriefly(logging.Filter):
    """One line, no traceback, for a request refused with a 4xx (403, 404, 405, …).

    Django logs PermissionDenied and Http404 with the exception attached, so every refused
    request would print a traceback though nothing went wrong on the server. Server errors
    (5xx) keep theirs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
