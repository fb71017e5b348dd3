"""The README's two screenshots, from what the tests already produce.

- ``bot-transcript.png``: turns of the bot's end-to-end transcript (tests/artifacts/bot/, written
  by ``make test`` from the real dispatcher) drawn as a chat and shot by headless chromium.
- ``case-page.png``: the top of the case page the browser tests shot
  (tests/artifacts/web/case-detail.png).

    python docs/img/shots.py [--show "алкабиге канша" 2 --show /quiz 4]
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from markdown_it import MarkdownIt
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
TRANSCRIPT = REPO / "tests" / "artifacts" / "bot" / "transcript-kk.md"
CASE_PAGE = REPO / "tests" / "artifacts" / "web" / "case-detail.png"
WIDTH = 760
_BUTTON = re.compile(r"`\[([^\]`]+)\]`")
_TURN = re.compile(r"^(\*\*👤 User:\*\*|\*\*🤖 Bot[^*]*\*\*|_🤖 \([^)]*\)_)(.*)$")
STYLE = f"""
body {{ margin: 0; background: #dfe7ee; font: 15px/1.45 "DejaVu Sans", sans-serif; }}
main {{ width: {WIDTH}px; padding: 18px 22px; box-sizing: border-box; }}
.head {{ background: #2b5278; color: #fff; padding: 10px 16px; font-weight: bold; }}
.msg {{ max-width: 78%; width: fit-content; margin: 8px 0; padding: 8px 12px;
        border-radius: 12px; }}
.user {{ margin-left: auto; background: #d9f7c4; }}
.bot {{ background: #fff; }}
.tap {{ font-size: 13px; color: #2b5278; }} .tap::before {{ content: "☝ "; }}
.msg p {{ margin: 0 0 6px; }} .msg p:last-child {{ margin: 0; }}
.keys {{ display: flex; flex-wrap: wrap; gap: 4px; margin-top: 6px; }}
.key {{ flex: 1 1 auto; text-align: center; background: #eef3f7; border-radius: 6px;
       padding: 5px 8px; font-size: 13px; color: #2b5278; }}
"""


def turns(markdown: str) -> list[tuple[str, list[str]]]:
    """(speaker line, body lines) per turn of a transcript."""
    out: list[tuple[str, list[str]]] = []
    for line in markdown.splitlines():
        match = _TURN.match(line)
        if match:
            out.append((match.group(1), [match.group(2).strip()] if match.group(2) else []))
        elif out and line.startswith(">"):
            out[-1][1].append(line[1:].strip())
    return out


def _body(lines: list[str], md: MarkdownIt) -> str:
    text, keys = [], []
    for line in lines:
        found = _BUTTON.findall(line)
        if found and not _BUTTON.sub("", line).strip(" taps"):
            keys.append("".join(f'<span class="key">{html.escape(k)}</span>' for k in found))
        else:
            text.append(line)
    rows = "".join(f'<div class="keys">{row}</div>' for row in keys)
    return md.render("\n".join(text)) + rows


def chat_html(selected: list[tuple[str, list[str]]]) -> str:
    md = MarkdownIt("commonmark", {"breaks": True})
    parts = []
    for speaker, lines in selected:
        kind = "user" if "User" in speaker else "bot"
        if speaker.startswith("_"):  # the transcript's notes on edits and pop-ups
            continue
        tapped = _BUTTON.findall(lines[0]) if kind == "user" and lines else []
        if tapped and lines[0].startswith("taps"):
            parts.append(f'<div class="msg user tap">{html.escape(tapped[0])}</div>')
            continue
        parts.append(f'<div class="msg {kind}">{_body(lines, md)}</div>')
    return (
        f'<!doctype html><html lang="kk"><meta charset="utf-8"><style>{STYLE}</style>'
        f'<div class="head">Alqabi · Telegram</div><main>{"".join(parts)}</main></html>'
    )


def shoot(page: str, out: Path, height: int) -> None:
    """Headless chromium screenshot of an HTML string, trimmed to its content."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("needs Debian's chromium (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "chat.html"
        source.write_text(page, encoding="utf-8")
        subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--window-size={WIDTH},{height}", f"--screenshot={out}", source.as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    image = Image.open(out).convert("RGB")
    # Trim the empty background below the last message.
    pixels = np.asarray(image)
    rows = np.flatnonzero((pixels != pixels[-1, -1]).any(axis=(1, 2)))
    bottom = min(image.height, int(rows[-1]) + 24 if rows.size else image.height)
    image.crop((0, 0, image.width, bottom)).save(out, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--show",
        nargs=2,
        action="append",
        metavar=("TEXT", "N"),
        help="N turns from the first user turn containing TEXT (repeatable)",
    )
    parser.add_argument("--case-height", type=int, default=745, help="pixels of the case page")
    opts = parser.parse_args()
    all_turns = turns(TRANSCRIPT.read_text(encoding="utf-8"))
    selected = []
    for text, n in opts.show or [("алкабиге канша", "2"), ("/quiz", "4")]:
        first = next(
            i for i, (who, body) in enumerate(all_turns) if "User" in who and text in body[0]
        )
        selected += all_turns[first : first + int(n)]
    shoot(chat_html(selected), HERE / "bot-transcript.png", 1600)
    case = Image.open(CASE_PAGE).convert("RGB")
    case.crop((0, 0, case.width, min(case.height, opts.case_height))).save(
        HERE / "case-page.png", optimize=True
    )
    print(f"wrote {HERE / 'bot-transcript.png'} and {HERE / 'case-page.png'}")


if __name__ == "__main__":
    main()
