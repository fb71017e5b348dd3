"""Outcome prediction on the generated corpus: time split, accuracy, calibration, abstention.

    python -m evals.prediction [--n 3200] [--store DIR] [--out DIR]

Trains the model as ``alqabi cases train`` does: the held-out figures come from four rolling
time origins over the newest 40 % of the decided first-instance acts, each block predicted by a
model fitted (classifier, then blend and temperature on cross-fitted probabilities) on the acts
older than the block only, with precedents drawn from those older acts; the model kept is then
fitted on all acts. Prints the figures next to the majority-class baseline and next to the
generator's own ceiling (the accuracy of knowing every latent factor), and saves a reliability
diagram.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from assistant.cases.model import PredictorModel
from assistant.cases.service import CaseService
from demo.cases.generator import NOISE_SCALE
from evals.cases import FULL, default_store, ensure_store


def ceiling(service: CaseService, model: PredictorModel) -> float:
    """Accuracy on the test acts of the arg-max of the generator's outcome probabilities."""
    records = [r for r in service.catalog.records if r.instance == "first" and r.outcome]
    test = records[-sum(f.test for f in model.split.folds) :]
    hits = []
    for record in test:
        utilities = record.features["utilities"]
        best = max(utilities, key=lambda o: utilities[o] / NOISE_SCALE)
        hits.append(best == record.outcome)
    return float(np.mean(hits))


def diagram(model: PredictorModel, path: Path) -> None:
    bins = model.reliability
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    ax.bar(
        [(b.low + b.high) / 2 for b in bins],
        [b.accuracy for b in bins],
        width=[b.high - b.low for b in bins],
        edgecolor="black",
        alpha=0.6,
        label="accuracy",
    )
    ax.plot([b.confidence for b in bins], [b.accuracy for b in bins], "o-", label="per bin")
    ax.set_xlabel("confidence (top probability)")
    ax.set_ylabel("accuracy")
    ax.set_title(
        f"Reliability, {model.metrics.n_test} test acts ({len(model.split.folds)} time origins), "
        f"ECE {model.metrics.ece:.3f}",
        fontsize=10,
    )
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=FULL, help="generated acts (default 3200)")
    parser.add_argument("--store", type=Path, help="store directory (built when missing)")
    parser.add_argument(
        "--out", type=Path, default=Path("evals/runs/prediction"), help="report dir"
    )
    args = parser.parse_args(argv)
    service = ensure_store(args.n, args.store or default_store(args.n)).cases
    model = service.train()
    args.out.mkdir(parents=True, exist_ok=True)
    diagram(model, args.out / "reliability.png")
    report = summary(service, model) | {"reliability_png": str(args.out / "reliability.png")}
    (args.out / "prediction.json").write_text(json.dumps(report, indent=2), "utf-8")
    print(json.dumps(report, indent=2))
    return 0


def summary(service: CaseService, model: PredictorModel) -> dict:
    """The model's held-out figures next to the baseline and the generator's ceiling (also
    used by ``alqabi eval prediction``)."""
    m, b = model.metrics, model.baseline
    return {
        "model_version": model.version,
        "split": model.split.model_dump(),
        "accuracy": round(m.accuracy, 4),
        "macro_f1": round(m.macro_f1, 4),
        "argmax": {"accuracy": m.accuracy_argmax, "macro_f1": m.macro_f1_argmax},
        "label_weights": model.decision.weights(model.classes),
        "baseline": {
            "label": b.label,
            "accuracy": round(b.accuracy, 4),
            "macro_f1": round(b.macro_f1, 4),
        },
        "generator_ceiling_accuracy": round(ceiling(service, model), 4),
        "brier": round(m.brier, 4),
        "ece_15_bins": round(m.ece, 4),
        "abstention": model.abstention.model_dump(),
        "coverage": round(m.coverage, 4),
        "accuracy_answered": round(m.accuracy_answered, 4),
        "blend_knn_weight": round(model.blend, 2),
        "temperature": round(model.temperature, 3),
        "knn_sharpness": model.sharpness,
    }


if __name__ == "__main__":
    raise SystemExit(main())
