"""Server logging: uvicorn's configuration with personal data masked on every handler."""

from __future__ import annotations

import copy
from typing import Any

from uvicorn.config import LOGGING_CONFIG


def log_config(level: str = "INFO") -> dict[str, Any]:
    """uvicorn's logging config with ``MaskingFilter`` on its handlers; our own loggers
    (``assistant.*``) go through the same masked handler."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"pii": {"()": "assistant.core.pii.MaskingFilter"}}
    for handler in config["handlers"].values():
        handler["filters"] = ["pii"]
    config["loggers"]["assistant"] = {"handlers": ["default"], "level": level, "propagate": False}
    return config
