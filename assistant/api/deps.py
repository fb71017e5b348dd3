"""FastAPI dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.core.config import Settings
from assistant.services import Loaded, Services


def get_services(request: Request) -> Services:
    return request.app.state.services


def get_settings(request: Request) -> Settings:
    return request.app.state.services.settings


def get_loaded(services: Annotated[Services, Depends(get_services)]) -> Loaded:
    return services.require()


ServicesDep = Annotated[Services, Depends(get_services)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
LoadedDep = Annotated[Loaded, Depends(get_loaded)]
