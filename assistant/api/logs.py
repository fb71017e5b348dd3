"""Server logging: uvicorn's configuration with personal data masked on every handler."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

from uvicorn.config import LOGGING_CONFIG

# A description typed on the case pages travels in the URL (GET forms): the access log keeps
# only that there was one, never its text (it may name people; see docs/deid.md).
_CASE_QUERY = re.compile(r"(/(?:cases|estimate)\b[^\s\"]*?[?&]q=)[^&\s\"]*")


def redact_case_query(text: str) -> str:
    """``text`` with the ``q`` parameter of case-page URLs replaced by ``[description]``."""
    return _CASE_QUERY.sub(r"\1[description]", text)


class CaseQueryFilter(logging.Filter):
    """Redacts case-page descriptions from a record's message and string arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_case_query(str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_case_query(a) if isinstance(a, str) else a for a in record.args
            )
        return True


def log_config(level: str = "INFO") -> dict[str, Any]:
    """uvicorn's logging config with ``MaskingFilter`` on its handlers; our own loggers
    (``assistant.*``) go through the same masked handler."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {
        "pii": {"()": "assistant.core.pii.MaskingFilter"},
        "case_query": {"()": "assistant.api.logs.CaseQueryFilter"},
    }
    for handler in config["handlers"].values():
        handler["filters"] = ["case_query", "pii"]
    config["loggers"]["assistant"] = {"handlers": ["default"], "level": level, "propagate": False}
    return config
