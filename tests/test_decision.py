"""The label rule: weights on calibrated probabilities that maximise macro-F1 on training acts."""

from __future__ import annotations

import numpy as np

from assistant.cases.decision import DecisionRule, choose_rule


def test_a_calibrated_minority_gets_a_weight_and_balanced_classes_keep_the_arg_max():
    rng = np.random.default_rng(3)
    # 80 % majority (class 1); the minority's calibrated probability is 0.35 on average where
    # it is the label, so the arg-max almost never names it.
    labels = (rng.random(600) >= 0.2).astype(int)
    p_minority = np.clip(np.where(labels == 0, 0.35, 0.15) + rng.normal(0, 0.08, 600), 0.01, 0.99)
    probs = np.column_stack([p_minority, 1 - p_minority])
    rule = choose_rule(probs, labels)
    assert rule.log_weights[1] == 0.0 and rule.log_weights[0] > 0.5
    assert (rule.decide(probs) == 0).sum() > (probs.argmax(axis=1) == 0).sum()
    # Separable and balanced: the arg-max is already best, no weight moves.
    balanced = np.array([[0.9, 0.1], [0.2, 0.8]] * 50)
    assert choose_rule(balanced, np.array([0, 1] * 50)).log_weights == [0.0, 0.0]


def test_a_class_of_zero_probability_is_never_the_label():
    rule = DecisionRule(log_weights=[3.0, 0.0, 0.0])
    probs = np.array([[0.0, 0.4, 0.6], [0.1, 0.5, 0.4]])
    assert rule.decide(probs).tolist() == [2, 0]
    assert rule.weights(["a", "b", "c"]) == {"a": 1.0, "b": 0.0498, "c": 0.0498}
