"""Training and held-out evaluation of the outcome predictor on a time split of the catalog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from assistant.cases.catalog import Catalog
from assistant.cases.metrics import reliability, score
from assistant.cases.model import (
    FORMAT,
    AbstentionRule,
    FeatureSpace,
    PredictorModel,
    TimeSplit,
    article_tokens,
    blend_probs,
)
from assistant.cases.neighbours import nearest
from assistant.cases.predict import allowed_classes, eligible, estimate
from assistant.cases.schemas import Baseline, ModelMetrics
from assistant.core.cases import CATEGORIES, OUTCOMES

# Shares of the date-ordered acts that end the training and the calibration parts.
SPLIT = (0.7, 0.85)
C_GRID = (0.5, 2.0, 8.0)
SHARPNESS_GRID = (0.0, 10.0, 30.0)
BLEND_GRID = tuple(np.linspace(0.0, 1.0, 11))
MIN_ACTS = 30


class NotEnoughActs(ValueError):
    """The store holds too few decided first-instance acts to train and evaluate a model."""


@dataclass(frozen=True)
class Part:
    """Catalog positions of one part of the split, with their labels and allowed classes."""

    positions: list[int]
    labels: np.ndarray
    allowed: np.ndarray


def _nll(probs: np.ndarray, labels: np.ndarray) -> float:
    return float(-np.log(np.maximum(probs[np.arange(len(labels)), labels], 1e-12)).mean())


class Trainer:
    """Fits the classifier on the oldest acts, the blend and temperature on the next, and
    measures everything on the newest."""

    def __init__(self, catalog: Catalog, k: int, rule: AbstentionRule) -> None:
        self.catalog = catalog
        self.k = k
        self.rule = rule
        order = [int(i) for i in np.flatnonzero(eligible(catalog))]
        if len(order) < MIN_ACTS:
            raise NotEnoughActs(
                f"{len(order)} decided first-instance acts in the store; {MIN_ACTS} are needed "
                "to train the outcome model"
            )
        a, b = (int(len(order) * s) for s in SPLIT)
        self.order = order
        records = catalog.records
        self.classes = [o for o in OUTCOMES if o in {records[i].outcome for i in order[:a]}]
        self.train, self.cal, self.test = (
            self._part(p) for p in (order[:a], order[a:b], order[b:])
        )
        self.space = FeatureSpace(
            categories=list(CATEGORIES),
            articles=sorted(set().union(*(article_tokens(records[i].articles) for i in order[:a]))),
        )

    def _part(self, positions: list[int]) -> Part:
        # An outcome that never occurs in training cannot be predicted; such acts are left out.
        kept = [i for i in positions if self.catalog.records[i].outcome in self.classes]
        records = [self.catalog.records[i] for i in kept]
        return Part(
            positions=kept,
            labels=np.array([self.classes.index(r.outcome or "") for r in records], dtype=int),
            allowed=np.array([allowed_classes(self.classes, r.category) for r in records]),
        )

    def _rows(self, part: Part, masked: bool = False) -> np.ndarray:
        records = self.catalog.records
        return np.array(
            [
                self.space.encode(self.catalog.vectors[i], None, [])
                if masked
                else self.space.encode(
                    self.catalog.vectors[i], records[i].category, records[i].articles
                )
                for i in part.positions
            ]
        )

    def _precedents(self, part: Part, pool: np.ndarray) -> list[tuple[list[str], np.ndarray]]:
        """Labels and similarities of each act's precedents: same category, outside its family."""
        cat = self.catalog
        out = []
        for i in part.positions:
            allowed = pool & cat.others(i) & (cat.categories == cat.records[i].category)
            found = nearest(cat.vectors, cat.vectors[i], allowed, self.k, self.rule.floor)
            out.append(([str(cat.outcomes[j]) for j in found.positions], found.similarities))
        return out

    def _mask(self, part: Part) -> np.ndarray:
        mask = np.zeros(len(self.catalog), dtype=bool)
        mask[part.positions] = True
        return mask

    def fit(self, snapshot: str, embedder: str) -> PredictorModel:
        """Train, calibrate and evaluate; the returned model carries its held-out figures."""
        # One BLAS thread: the problem is small, and spinning threads on a busy machine (the
        # embedder runs next to it) make it many times slower.
        with threadpool_limits(1):
            return self._fit(snapshot, embedder)

    def _fit(self, snapshot: str, embedder: str) -> PredictorModel:
        # Each act is seen with and without its structured fields, so that a bare description
        # (no category or article given) is not out of distribution for the classifier.
        x = np.vstack([self._rows(self.train), self._rows(self.train, masked=True)])
        y = np.concatenate([self.train.labels, self.train.labels])
        x_cal = self._rows(self.cal)
        draft = self._draft(snapshot, embedder)
        best: tuple[float, LogisticRegression] | None = None
        for c in C_GRID:
            clf = LogisticRegression(C=c, max_iter=3000).fit(x, y)
            probs = self._with(draft, clf).classifier_probs(x_cal)
            loss = _nll(blend_probs(probs, probs, self.cal.allowed, 0.0, 1.0), self.cal.labels)
            if best is None or loss < best[0]:
                best = (loss, clf)
        assert best is not None
        model = self._with(draft, best[1])
        clf_cal = model.classifier_probs(x_cal)
        cal_precedents = self._precedents(self.cal, self._mask(self.train))
        fitted: tuple[float, float, float, float] | None = None
        for sharpness in SHARPNESS_GRID:
            model.sharpness = sharpness
            knn = np.array([model.knn_probs(lab, sims) for lab, sims in cal_precedents])
            for blend in BLEND_GRID:
                result = minimize_scalar(
                    lambda log_t, b=blend, kn=knn: _nll(
                        blend_probs(kn, clf_cal, self.cal.allowed, b, float(np.exp(log_t))),
                        self.cal.labels,
                    ),
                    bounds=(-3.0, 3.0),
                    method="bounded",
                )
                if fitted is None or result.fun < fitted[0]:
                    fitted = (float(result.fun), sharpness, float(blend), float(np.exp(result.x)))
        assert fitted is not None
        _, model.sharpness, model.blend, model.temperature = fitted
        self._evaluate(model)
        return model

    def _draft(self, snapshot: str, embedder: str) -> PredictorModel:
        data_hash = self.catalog.data_hash(self.order)
        dates = [
            self.catalog.records[p[-1]].date if p else None
            for p in (self.train.positions, self.cal.positions, self.test.positions)
        ]
        width = len(self.space.encode(np.zeros(self.catalog.vectors.shape[1]), None, []))
        rows = len(self.classes) if len(self.classes) > 2 else 1
        trained_at = datetime.now(UTC).isoformat(timespec="seconds")
        return PredictorModel(
            version=f"cases-v{FORMAT}-{data_hash[:12]}",
            trained_at=trained_at,
            snapshot=snapshot,
            embedder=embedder,
            data_hash=data_hash,
            split=TimeSplit(
                train=len(self.train.positions),
                calibration=len(self.cal.positions),
                test=len(self.test.positions),
                train_until=str(dates[0]),
                calibration_until=str(dates[1]),
                test_until=str(dates[2]),
            ),
            classes=self.classes,
            space=self.space,
            coef=[[0.0] * width] * rows,
            intercept=[0.0] * rows,
            k=self.k,
            sharpness=0.0,
            blend=0.0,
            temperature=1.0,
            abstention=self.rule,
            baseline=Baseline(label=self.classes[0], accuracy=0.0, macro_f1=0.0),
            metrics=ModelMetrics(
                n_test=0,
                accuracy=0.0,
                macro_f1=0.0,
                brier=0.0,
                ece=0.0,
                coverage=0.0,
                accuracy_answered=0.0,
                evaluated_at=trained_at,
            ),
            reliability=[],
        )

    @staticmethod
    def _with(model: PredictorModel, clf: LogisticRegression) -> PredictorModel:
        return model.model_copy(
            update={"coef": clf.coef_.tolist(), "intercept": clf.intercept_.tolist()}
        )

    def _evaluate(self, model: PredictorModel) -> None:
        """Held-out figures on the newest acts, precedents drawn from the older ones."""
        cat = self.catalog
        pool = self._mask(self.train) | self._mask(self.cal)
        probs, answered = [], []
        for i in self.test.positions:
            r = cat.records[i]
            result = estimate(
                model,
                cat,
                cat.vectors[i],
                r.category,
                r.articles,
                pool & cat.others(i) & (cat.categories == r.category),
            )
            probs.append(result.probabilities)
            answered.append(result.abstention is None)
        p = np.array(probs)
        labels = self.test.labels
        done = np.array(answered)
        scores = score(p, labels)
        majority = int(np.bincount(self.train.labels, minlength=len(self.classes)).argmax())
        base = score(np.eye(len(self.classes))[np.full(len(labels), majority)], labels)
        model.baseline = Baseline(
            label=self.classes[majority], accuracy=base.accuracy, macro_f1=base.macro_f1
        )
        model.metrics = ModelMetrics(
            n_test=scores.n,
            accuracy=scores.accuracy,
            macro_f1=scores.macro_f1,
            brier=scores.brier,
            ece=scores.ece,
            coverage=float(done.mean()),
            accuracy_answered=float((p[done].argmax(axis=1) == labels[done]).mean())
            if done.any()
            else 0.0,
            evaluated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        model.reliability = reliability(p, labels)
