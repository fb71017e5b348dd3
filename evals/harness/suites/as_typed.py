"""As typed: the questions citizens type (Latin-script Kazakh, translit, folded, code-switched,
voice, short, long, English) through ``POST /v1/ask``, every style and split reported apart
(evals/datasets/as_typed.jsonl, written blind, and as_typed_fresh.jsonl, a second blind set, all
held out). The gate reads the held-out and fresh splits; thresholds are chosen on the dev split
only.

Per split and style: hit@1, key facts, language match, refusal precision and recall. Per split:
the lowest style's hit@1 and key facts, and the largest drop of a script style (Latin-script
Kazakh, translit, folded) below Cyrillic standard (``script_gap``, negative when below)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from assistant.api.app import create_app
from evals.answers import AS_TYPED, AS_TYPED_FILES, as_typed_items, ask_all, report, style_rows
from evals.harness.context import EvalContext
from evals.harness.model import SuiteResult

STANDARD = "cyrillic"
# Styles that differ from Cyrillic standard by script or spelling only.
SCRIPT_STYLES = re.compile(r"latin|translit|ascii|folded")


def run(ctx: EvalContext) -> SuiteResult:
    result = SuiteResult(suite="as_typed")
    if not AS_TYPED.is_file():
        result.skipped = f"{AS_TYPED.name} is not there"
        return result
    knowledge = ctx.services.answers.knowledge(ctx.services.require())
    groups = set(knowledge.groups)
    details: dict[str, list[dict]] = {}
    with TestClient(create_app(ctx.settings, ctx.services)) as client:
        client.post("/v1/ask", json={"question": "алқаби"})
        for split in AS_TYPED_FILES:
            gold, refusals = as_typed_items(split)
            gold = [q for q in gold if groups.intersection(q.expected)]
            if not gold:
                continue
            figures = report(gold, ask_all(client, gold), refusals, ask_all(client, refusals))
            rows = style_rows(figures)
            details[split] = rows
            for row in rows:
                if row["n"]:
                    for name in ("hit_at_1", "key_facts", "lang_match"):
                        result.add(name, row[name], n=row["n"], split=split, style=row["style"])
                if row["refusals"]:
                    for name in ("refusal_precision", "refusal_recall"):
                        result.add(name, row[name], n=row["refusals"], split=split,
                                   style=row["style"])  # fmt: skip
            styles = [r for r in rows if r["n"] and r["style"] != "all"]
            for name in ("hit_at_1", "key_facts"):
                result.add(f"min_style_{name}", min(r[name] for r in styles), split=split)
            refusing = [r for r in rows if r["refusals"] and r["style"] != "all"]
            if refusing:
                for name in ("refusal_precision", "refusal_recall"):
                    result.add(f"min_style_{name}", min(r[name] for r in refusing), split=split)
            standard = next((r for r in styles if r["style"] == STANDARD), None)
            scripts = [r for r in styles if SCRIPT_STYLES.search(r["style"])]
            if standard and scripts:
                gap = min(r["hit_at_1"] for r in scripts) - standard["hit_at_1"]
                result.add("script_gap", gap, split=split)
            latency = figures["overall"]["latency"]
            result.add("ask_p95_ms", latency["p95_ms"], better="lower", split=split)
    files = sorted({p.name for paths in AS_TYPED_FILES.values() for p in paths if p.is_file()})
    result.details = {"gold": ", ".join(files), "styles": details}
    return result
