"""``alqabi summons ...``: the pool operations from the shell, and the dispatch worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from assistant.core.cli import (
    JsonOpt,
    StoreOpt,
    cli_actor,
    dump_json,
    fail,
    refused,
    settings_for,
)

if TYPE_CHECKING:
    from assistant.summons.service import SummonsService

# The database and the service are imported by the commands, so that `alqabi --help` stays light.

app = typer.Typer(no_args_is_help=True, help="Jury pools: import, draw, notices, replies.")
console = Console()
PoolArg = Annotated[int, typer.Argument(help="Pool id (see `alqabi summons list`).")]


def _service(store: Path | None) -> SummonsService:
    from assistant.db import Database, database_url
    from assistant.summons.service import SummonsService

    settings = settings_for(store)
    db = Database(database_url(settings))
    db.upgrade()
    return SummonsService(db, settings.summons)


def _refused() -> contextlib.AbstractContextManager[None]:
    """A refused operation (bad list, wrong state, too late, unreadable file) as a clear error."""
    from assistant.summons.candidates import ListFormatError
    from assistant.summons.schedule import TooLate
    from assistant.summons.service import SummonsError

    return refused(ListFormatError, SummonsError, TooLate, OSError)


def _when(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise fail(f"not a date and time: {value!r} (e.g. 2026-12-21T10:00+05:00)", 2) from exc
    if parsed.tzinfo is None:
        raise fail("give the time zone, e.g. 2026-12-21T10:00+05:00", 2)
    return parsed


@app.command("create")
def create(
    case_number: Annotated[str, typer.Option("--case")],
    court: Annotated[str, typer.Option("--court")],
    court_phone: Annotated[str, typer.Option("--phone", help="The court's public number.")],
    place: Annotated[str, typer.Option("--place")],
    hearing: Annotated[str, typer.Option("--hearing", help="ISO time with zone.")],
    size: Annotated[int, typer.Option("--size", help="How many to summon (>= 25).")] = 25,
    store: StoreOpt = None,
) -> None:
    """Create a pool for a case and hearing."""
    from assistant.summons.service import PoolIn

    data = PoolIn(case_number=case_number, court=court, court_phone=court_phone, place=place,
                  hearing_at=_when(hearing), size=size)  # fmt: skip
    with _refused():
        pool = _service(store).create_pool(data, cli_actor())
    console.print(f"pool {pool.id} created")


@app.command("list")
def list_pools(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """Every pool with its state."""
    pools = _service(store).pools()
    rows = [{"id": p.id, "case": p.case_number, "hearing_at": p.hearing_at.isoformat(),
             "size": p.size, "state": p.state} for p in pools]  # fmt: skip
    if as_json:
        dump_json(rows)
        return
    for r in rows:
        console.print(
            f"{r['id']:>4}  {r['case']:<20} {r['hearing_at']}  {r['size']:>3}  {r['state']}"
        )


@app.command("import")
def import_list(pool: PoolArg, path: Path, store: StoreOpt = None) -> None:
    """Import a candidate list (CSV or XLSX): all rows or none, with a per-row report."""
    service = _service(store)
    with _refused():
        outcome = service.import_list(pool, path.read_bytes(), path.name, cli_actor())
    if outcome.errors:
        for e in outcome.errors:
            console.print(f"row {e.row}: {e.field or '-'}: {e.message}")
        raise fail(f"{len(outcome.errors)} problems; nothing imported", 1)
    console.print(f"imported {outcome.imported} candidates")


@app.command("draw")
def draw(pool: PoolArg, store: StoreOpt = None) -> None:
    """Draw the pool's candidates by lot (the seed is printed and audited)."""
    with _refused():
        result = _service(store).draw(pool, cli_actor())
    console.print(f"drawn {result.drawn}; seed {result.seed}; list sha256 {result.digest}")


@app.command("verify-draw")
def verify_draw(
    pool: Annotated[int | None, typer.Argument(help="Pool id (checks the stored draw).")] = None,
    list_file: Annotated[Path | None, typer.Option("--list", help="The list (CSV/XLSX).")] = None,
    seed: Annotated[str | None, typer.Option("--seed")] = None,
    size: Annotated[int, typer.Option("--size")] = 25,
    store: StoreOpt = None,
) -> None:
    """Repeat a draw: from a pool in the database, or offline from a list file and a seed."""
    from assistant.summons import draw as lot
    from assistant.summons.candidates import read_file

    with _refused():
        iins = [r["iin"] for r in read_file(list_file)] if list_file else None
    if pool is None:
        if iins is None or seed is None:
            raise fail("give a pool id, or --list and --seed", 2)
        console.print(f"list sha256 {lot.list_digest(iins)}")
        for n, iin in enumerate(lot.draw(iins, seed, size), 1):
            sys.stdout.write(f"{n}\t{iin}\n")
        return
    with _refused():
        ok, digest = _service(store).verify_draw(pool, iins)
    console.print(f"list sha256 {digest}")
    if not ok:
        raise fail("the draw does NOT repeat from this list and seed", 1)
    console.print("the draw repeats: same candidates, same order")


@app.command("notify")
def notify(pool: PoolArg, store: StoreOpt = None) -> None:
    """Queue the notices and the day-before reminders of a drawn pool."""
    with _refused():
        added = _service(store).notify(pool, cli_actor())
    console.print(f"queued {added} messages")


@app.command("move")
def move(pool: PoolArg, hearing: Annotated[str, typer.Option("--hearing")],
         store: StoreOpt = None) -> None:  # fmt: skip
    """Move the hearing: pending notices cancelled, candidates told the new date."""
    with _refused():
        cancelled = _service(store).move(pool, _when(hearing), cli_actor())
    console.print(f"hearing moved; {cancelled} pending messages cancelled")


@app.command("cancel")
def cancel(pool: PoolArg, store: StoreOpt = None) -> None:
    """Call the hearing off: pending notices cancelled, those notified told."""
    with _refused():
        cancelled, calloffs = _service(store).cancel(pool, cli_actor())
    console.print(f"{cancelled} pending messages cancelled; {calloffs} call-offs queued")


@app.command("status")
def status(pool: PoolArg, store: StoreOpt = None) -> None:
    """The pool's dashboard counts as JSON."""
    with _refused():
        dump_json(_service(store).dashboard(pool))


@app.command("export")
def export(pool: PoolArg, store: StoreOpt = None) -> None:
    """The drawn candidates and their replies as CSV (contacts masked)."""
    sys.stdout.write(_service(store).export_csv(pool, cli_actor()))


@app.command("purge")
def purge(store: StoreOpt = None) -> None:
    """Delete candidates' personal data of hearings past the retention period."""
    purged = _service(store).purge(cli_actor())
    console.print(f"purged pools: {purged or 'none'}")


@app.command("worker")
def worker(
    once: Annotated[bool, typer.Option("--once", help="Send what is due, then stop.")] = False,
    store: StoreOpt = None,
) -> None:
    """Run the dispatch worker (start several to scale out)."""
    from assistant.db import Database, database_url
    from assistant.summons.channels import make_channels
    from assistant.summons.worker import Dispatcher

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    # One line per provider request would drown the worker's own log.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = settings_for(store)
    db = Database(database_url(settings))
    db.upgrade()
    channels = make_channels(settings)
    if not channels:
        raise fail("no channel is configured (bot token, ALQABI_SUMMONS_SMS_URL, SMTP host)", 2)

    async def main() -> None:
        dispatcher = Dispatcher(db, settings, channels)
        try:
            if once:
                console.print(f"handled {await dispatcher.drain()}")
            else:
                await dispatcher.run()
        finally:
            await dispatcher.close()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="summons")
