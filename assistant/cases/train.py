"""Training of the outcome predictor, and its held-out evaluation on rolling time origins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from assistant.cases.catalog import Catalog
from assistant.cases.decision import DecisionRule, choose_rule
from assistant.cases.metrics import reliability, score
from assistant.cases.model import (
    FORMAT,
    AbstentionRule,
    FeatureSpace,
    Fold,
    PredictorModel,
    TimeSplit,
    article_tokens,
    blend_probs,
    knn_probs,
)
from assistant.cases.neighbours import nearest
from assistant.cases.predict import allowed_classes, eligible, estimate
from assistant.cases.schemas import Baseline, ModelMetrics
from assistant.core.collections import label_set

# Rolling-origin evaluation: the newest 40 % of the date-ordered acts, in 4 consecutive blocks,
# each predicted by a model fitted on all acts older than the block.
EVAL_FROM = 0.6
FOLDS = 4
# Contiguous blocks of the fitting acts for cross-fitting: every fitting act gets a classifier
# probability from a classifier that did not see it, and the blend and temperature are fitted
# on all of those rather than on a small held-back part.
CROSS_FIT = 5
C_GRID = (0.5, 2.0, 8.0)
SHARPNESS_GRID = (0.0, 10.0, 30.0)
BLEND_GRID = tuple(np.linspace(0.0, 1.0, 11))
MIN_ACTS = 30


class NotEnoughActs(ValueError):
    """The store holds too few decided first-instance acts to train and evaluate a model."""


@dataclass(frozen=True)
class Part:
    """Catalog positions of some acts, with their labels and allowed classes."""

    positions: list[int]
    labels: np.ndarray
    allowed: np.ndarray


@dataclass(frozen=True)
class Fitted:
    """What one fit learned from its acts, before it becomes a model."""

    classes: list[str]
    space: FeatureSpace
    clf: LogisticRegression
    sharpness: float
    blend: float
    temperature: float
    decision: DecisionRule
    # The most frequent outcome among the acts: the majority-class baseline's answer.
    majority: str


def _nll(probs: np.ndarray, labels: np.ndarray) -> float:
    return float(-np.log(np.maximum(probs[np.arange(len(labels)), labels], 1e-12)).mean())


class Trainer:
    """Fits the model on all decided first-instance acts; its figures come from refitting the
    same way at several time origins and predicting the acts after each from older ones."""

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
        self.order = order
        shares = np.linspace(EVAL_FROM, 1.0, FOLDS + 1)
        # Block boundaries in ``order``: fold f fits on order[:origins[f]] and predicts up to
        # origins[f + 1].
        self.origins = [int(len(order) * s) for s in shares]

    def _part(self, positions: list[int], classes: list[str]) -> Part:
        # An outcome that never occurs in the fitting acts cannot be predicted; such acts are
        # left out.
        kept = [i for i in positions if self.catalog.records[i].outcome in classes]
        records = [self.catalog.records[i] for i in kept]
        return Part(
            positions=kept,
            labels=np.array([classes.index(r.outcome or "") for r in records], dtype=int),
            allowed=np.array([allowed_classes(classes, r.category) for r in records]),
        )

    def _rows(self, space: FeatureSpace, part: Part, masked: bool = False) -> np.ndarray:
        records = self.catalog.records
        return np.array(
            [
                space.encode(self.catalog.vectors[i], None, [])
                if masked
                else space.encode(self.catalog.vectors[i], records[i].category, records[i].articles)
                for i in part.positions
            ]
        )

    def _mask(self, positions: list[int]) -> np.ndarray:
        mask = np.zeros(len(self.catalog), dtype=bool)
        mask[positions] = True
        return mask

    def _precedents(self, part: Part) -> list[tuple[list[str], np.ndarray]]:
        """Labels and similarities of each act's precedents among the other acts of the part:
        same category, outside its family."""
        cat = self.catalog
        pool = self._mask(part.positions)
        out = []
        for i in part.positions:
            allowed = pool & cat.others(i) & (cat.categories == cat.records[i].category)
            found = nearest(cat.vectors, cat.vectors[i], allowed, self.k, self.rule.floor)
            out.append(([str(cat.outcomes[j]) for j in found.positions], found.similarities))
        return out

    def fit(self, snapshot: str, embedder: str) -> PredictorModel:
        """Evaluate at the rolling origins, then fit on all acts; the returned model carries the
        held-out figures."""
        # One BLAS thread: the problem is small, and spinning threads on a busy machine (the
        # embedder runs next to it) make it many times slower.
        with threadpool_limits(1):
            model = self._model(self._fit(self.order), snapshot, embedder)
            self._evaluate(model)
            return model

    def _fit(self, positions: list[int]) -> Fitted:
        """Classifier, kNN sharpness, blend and temperature from the acts at ``positions``."""
        records = self.catalog.records
        # The labels of the acts' collection, in its label set's order.
        labels = label_set(records[positions[0]].collection)
        classes = [o for o in labels.outcomes if o in {records[i].outcome for i in positions}]
        space = FeatureSpace(
            categories=list(labels.categories),
            articles=sorted(set().union(*(article_tokens(records[i].articles) for i in positions))),
        )
        part = self._part(positions, classes)
        # Each act is seen with and without its structured fields, so that a bare description
        # (no category or article given) is not out of distribution for the classifier.
        x, x_bare = self._rows(space, part), self._rows(space, part, masked=True)
        blocks = np.array_split(np.arange(len(part.positions)), CROSS_FIT)
        best: tuple[float, float, np.ndarray, list[LogisticRegression]] | None = None
        for c in C_GRID:
            oof = np.zeros((len(part.positions), len(classes)))
            members = []
            for block in blocks:
                rest = np.setdiff1d(np.arange(len(part.positions)), block)
                clf = self._classifier(x, x_bare, part.labels, rest, c)
                oof[np.ix_(block, clf.classes_)] = clf.predict_proba(x[block])
                members.append(clf)
            loss = _nll(blend_probs(oof, oof, part.allowed, 0.0, 1.0), part.labels)
            if best is None or loss < best[0]:
                best = (loss, c, oof, members)
        assert best is not None
        _, c, oof, members = best
        precedents = self._precedents(part)
        fitted: tuple[float, float, float, float] | None = None
        for sharpness in SHARPNESS_GRID:
            knn = np.array([knn_probs(classes, sharpness, lab, sims) for lab, sims in precedents])
            for blend in BLEND_GRID:
                result = minimize_scalar(
                    lambda log_t, b=blend, kn=knn: _nll(
                        blend_probs(kn, oof, part.allowed, b, float(np.exp(log_t))), part.labels
                    ),
                    bounds=(-3.0, 3.0),
                    method="bounded",
                )
                if fitted is None or result.fun < fitted[0]:
                    fitted = (float(result.fun), sharpness, float(blend), float(np.exp(result.x)))
        assert fitted is not None
        _, sharpness, blend, temperature = fitted
        # The label rule from the same cross-fitted probabilities of these acts (each act's
        # classifier did not see it, its precedents exclude it).
        knn = np.array([knn_probs(classes, sharpness, lab, sims) for lab, sims in precedents])
        decision = choose_rule(blend_probs(knn, oof, part.allowed, blend, temperature), part.labels)
        if all(len(m.classes_) == len(classes) for m in members):
            # The mean of the cross-fitted classifiers' weights (their logits averaged) is the
            # classifier whose out-of-fold probabilities the blend and temperature were fitted
            # on; a refit on all acts would be more confident than they were calibrated for.
            clf = members[0]
            clf.coef_ = np.mean([m.coef_ for m in members], axis=0)
            clf.intercept_ = np.mean([m.intercept_ for m in members], axis=0)
        else:  # a class missing from some block's fit: refit on all acts instead
            clf = self._classifier(x, x_bare, part.labels, np.arange(len(part.positions)), c)
        majority = classes[int(np.bincount(part.labels).argmax())]
        return Fitted(classes, space, clf, sharpness, blend, temperature, decision, majority)

    @staticmethod
    def _classifier(
        x: np.ndarray, x_bare: np.ndarray, labels: np.ndarray, rows: np.ndarray, c: float
    ) -> LogisticRegression:
        return LogisticRegression(C=c, max_iter=3000).fit(
            np.vstack([x[rows], x_bare[rows]]), np.concatenate([labels[rows], labels[rows]])
        )

    def _model(self, fitted: Fitted, snapshot: str, embedder: str) -> PredictorModel:
        data_hash = self.catalog.data_hash(self.order)
        trained_at = datetime.now(UTC).isoformat(timespec="seconds")
        return PredictorModel(
            version=f"cases-v{FORMAT}-{data_hash[:12]}",
            trained_at=trained_at,
            snapshot=snapshot,
            embedder=embedder,
            data_hash=data_hash,
            split=TimeSplit(acts=len(self.order), folds=[]),
            classes=fitted.classes,
            space=fitted.space,
            coef=fitted.clf.coef_.tolist(),
            intercept=fitted.clf.intercept_.tolist(),
            k=self.k,
            sharpness=fitted.sharpness,
            blend=fitted.blend,
            temperature=fitted.temperature,
            decision=fitted.decision,
            abstention=self.rule,
            baseline=Baseline(label=fitted.majority, accuracy=0.0, macro_f1=0.0),
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

    def _evaluate(self, model: PredictorModel) -> None:
        """Held-out figures over the blocks after each rolling origin: a model fitted on the
        acts before the origin, precedents drawn from them too."""
        cat = self.catalog
        classes = model.classes
        probs, labels, decided, answered, base, folds = [], [], [], [], [], []
        for start, end in zip(self.origins[:-1], self.origins[1:], strict=True):
            older = self.order[:start]
            fold = self._model(self._fit(older), "", "")
            test = self._part(self.order[start:end], fold.classes)
            columns = [classes.index(c) for c in fold.classes]
            majority = classes.index(fold.baseline.label)
            pool = self._mask(older)
            block = np.zeros((len(test.positions), len(classes)))
            block_decided = np.zeros(len(test.positions), dtype=int)
            for row, i in enumerate(test.positions):
                r = cat.records[i]
                result = estimate(
                    fold,
                    cat,
                    cat.vectors[i],
                    r.category,
                    r.articles,
                    pool & cat.others(i) & (cat.categories == r.category),
                )
                block[row, columns] = result.probabilities
                block_decided[row] = columns[result.label]
                answered.append(result.abstention is None)
            block_labels = np.array([columns[j] for j in test.labels], dtype=int)
            probs.append(block)
            labels.append(block_labels)
            decided.append(block_decided)
            base.extend([majority] * len(block_labels))
            figures = score(block, block_labels, block_decided)
            folds.append(
                Fold(
                    train=len(older),
                    test=len(test.positions),
                    train_until=str(cat.records[older[-1]].date),
                    test_until=str(cat.records[self.order[end - 1]].date),
                    accuracy=figures.accuracy,
                    macro_f1=figures.macro_f1,
                    ece=figures.ece,
                    decision=fold.decision,
                )
            )
        p, y, done = np.vstack(probs), np.concatenate(labels), np.array(answered)
        chosen = np.concatenate(decided)
        scores, argmax = score(p, y, chosen), score(p, y)
        base_scores = score(np.eye(len(classes))[np.array(base, dtype=int)], y)
        model.split = TimeSplit(acts=len(self.order), folds=folds)
        model.baseline = Baseline(
            label=model.baseline.label,
            accuracy=base_scores.accuracy,
            macro_f1=base_scores.macro_f1,
        )
        model.metrics = ModelMetrics(
            n_test=scores.n,
            accuracy=scores.accuracy,
            macro_f1=scores.macro_f1,
            brier=scores.brier,
            ece=scores.ece,
            accuracy_argmax=argmax.accuracy,
            macro_f1_argmax=argmax.macro_f1,
            coverage=float(done.mean()),
            accuracy_answered=float((chosen[done] == y[done]).mean()) if done.any() else 0.0,
            evaluated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        model.reliability = reliability(p, y)
