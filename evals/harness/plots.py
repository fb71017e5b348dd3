"""The report's figures as PNG bytes (matplotlib, no display)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from evals.harness.gate import Change
from evals.harness.model import Metric

WORSE, BETTER, SAME = "#c62828", "#2e7d32", "#9e9e9e"


def png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    if not fig.legends:
        fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def grouped_bars(
    metrics: Sequence[Metric],
    names: Sequence[str],
    x_label: str,
    series_label: str,
    title: str,
) -> bytes | None:
    """One panel per metric name: x = values of ``x_label``, one bar per ``series_label``."""
    panels = [n for n in names if any(m.name == n for m in metrics)]
    if not panels:
        return None
    xs = list(dict.fromkeys(m.labels.get(x_label, "all") for m in metrics))
    series = list(dict.fromkeys(m.labels.get(series_label, "all") for m in metrics))
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.6), squeeze=False)
    width = 0.8 / max(len(series), 1)
    for ax, name in zip(axes[0], panels, strict=True):
        for j, s in enumerate(series):
            values = {
                m.labels.get(x_label, "all"): m.value
                for m in metrics
                if m.name == name and m.labels.get(series_label, "all") == s
            }
            heights = [values.get(x, np.nan) for x in xs]
            bars = ax.bar(np.arange(len(xs)) + (j - (len(series) - 1) / 2) * width, heights, width)
            bars.set_label(s)
            crowded = len(series) * len(xs) > 8
            ax.bar_label(
                bars,
                fmt="%.2f",
                fontsize=6 if crowded else 7,
                rotation=90 if crowded else 0,
                padding=1,
            )
        ax.set_xticks(np.arange(len(xs)), xs)
        ax.set_ylim(0, 1.15)
        ax.set_title(name)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(title)
    if len(series) > 1:
        # Below the panels, where it hides no bar.
        handles, names = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, names, loc="lower center", ncol=len(series), fontsize=9)
        fig.tight_layout(rect=(0, 0.08, 1, 1))
    return png(fig)


def latency_boxes(samples: dict[str, dict[str, list[float]]]) -> bytes | None:
    """Distribution of each endpoint's latency, in process and over HTTP (log scale)."""
    rows = [(f"{mode}\n{name}", ms) for mode, by in samples.items() for name, ms in by.items()]
    rows = [(label, ms) for label, ms in rows if ms]
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(rows)), 4.2))
    ax.boxplot([ms for _, ms in rows], whis=(5, 95), showfliers=True, flierprops={"markersize": 2})
    ax.set_xticks(range(1, len(rows) + 1), [label for label, _ in rows], fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("ms (log scale); whiskers p5–p95")
    ax.set_title("Latency per endpoint")
    ax.grid(axis="y", alpha=0.3, which="both")
    return png(fig)


def histogram(values: Sequence[float], title: str, x_label: str) -> bytes | None:
    if not values:
        return None
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    ax.hist(values, bins=np.linspace(0, 1, 11), edgecolor="black", alpha=0.7)
    ax.set_xlabel(x_label)
    ax.set_ylabel("answers")
    ax.set_title(title)
    return png(fig)


def votes_by_day(days: Sequence[dict]) -> bytes | None:
    if not days:
        return None
    fig, ax = plt.subplots(figsize=(max(5.0, 0.5 * len(days)), 3.2))
    x = np.arange(len(days))
    up = [d["up"] for d in days]
    ax.bar(x, up, color=BETTER, label="👍 up")
    ax.bar(x, [d["down"] for d in days], bottom=up, color=WORSE, label="👎 down")
    ax.set_xticks(x, [d["day"] for d in days], rotation=45, ha="right", fontsize=8)
    ax.legend()
    ax.set_title("Votes per day")
    return png(fig)


def changes(items: Sequence[Change], limit: int = 30) -> bytes | None:
    """Relative change of the metrics that moved most; red where a metric got worse."""
    moved = sorted(
        (c for c in items if c.status != "same"),
        key=lambda c: abs(c.delta) / max(abs(c.before), 1e-9),
        reverse=True,
    )[:limit]
    if not moved:
        return None
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(moved) + 1.2))
    rel = [100 * c.delta / max(abs(c.before), 1e-9) for c in moved]
    colors = [WORSE if c.status == "worse" else BETTER for c in moved]
    y = np.arange(len(moved))[::-1]
    ax.barh(y, rel, color=colors)
    ax.set_yticks(y, [c.key for c in moved], fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("change against the previous run, % (red: worse)")
    return png(fig)
