"""FastAPI dependencies of the summons routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.staff.accounts import Principal
from assistant.staff.auth import staff_dependency
from assistant.summons.service import SummonsService


def get_summons(request: Request) -> SummonsService:
    """The service on the app's database; ``app.state.summons_clock`` if a test set one."""
    services = request.app.state.services
    clock = getattr(request.app.state, "summons_clock", None)
    return SummonsService(services.db, services.settings.summons, clock)


SummonsDep = Annotated[SummonsService, Depends(get_summons)]
# Secretaries run pools; judges read them.
Secretary = Annotated[Principal, Depends(staff_dependency("secretary"))]
PoolReader = Annotated[Principal, Depends(staff_dependency("secretary", "judge"))]
