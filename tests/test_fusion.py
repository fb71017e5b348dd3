"""Z-score fusion of the hybrid retriever: what each method's list contributes."""

from __future__ import annotations

import numpy as np

from assistant.retrieval import zscore_fusion

W = {"dense": 1.0, "lexical": 0.75, "fuzzy": 0.25}
DENSE_FLAT = [(1, 0.90), (2, 0.89), (3, 0.88), (4, 0.87)]


def order(fused):
    return [row for row, _, _ in fused]


def test_a_lexical_list_with_one_clear_winner_lifts_it_over_the_dense_top():
    lexical = [(3, 30.0)] + [(row, 5.0) for row in (1, 2, 4, 5, 6, 7, 8)]
    fused = zscore_fusion({"dense": DENSE_FLAT, "lexical": lexical}, W)
    assert order(fused)[0] == 3
    # Rank fusion with these weights keeps the dense top: ranks cannot see the gap.
    rrf: dict[int, float] = {}
    for method, hits in (("dense", DENSE_FLAT), ("lexical", lexical)):
        for rank, (row, _) in enumerate(hits):
            rrf[row] = rrf.get(row, 0.0) + W[method] / (30 + rank + 1)
    assert max(rrf, key=rrf.get) == 1


def test_an_evenly_spread_lexical_list_does_not_overturn_a_clear_dense_winner():
    dense = [(1, 0.95)] + [(row, 0.82 - 0.01 * row) for row in range(2, 9)]
    lexical = [(row, float(10 - row)) for row in range(2, 9)] + [(1, 1.0)]
    assert order(zscore_fusion({"dense": dense, "lexical": lexical}, W))[0] == 1


def test_a_row_a_method_did_not_return_counts_as_its_lowest_hit():
    dense = [(1, 0.9), (2, 0.5), (3, 0.1)]
    lexical = [(2, 10.0), (3, 1.0), (4, 0.5)]
    fused = {row: score for row, score, _ in zscore_fusion({"dense": dense, "lexical": lexical}, W)}

    def z(hits):
        s = np.array([x for _, x in hits])
        return {row: (x - s.mean()) / s.std() for row, x in hits}, (s.min() - s.mean()) / s.std()

    (zd, dense_low), (zl, lexical_low) = z(dense), z(lexical)
    assert np.isclose(fused[1], zd[1] + 0.75 * lexical_low)
    assert np.isclose(fused[4], dense_low + 0.75 * zl[4])
    assert np.isclose(fused[2], zd[2] + 0.75 * zl[2])


def test_zero_weight_methods_do_not_vote_but_their_raw_scores_are_kept():
    lexical = [(4, 9.0), (3, 8.0)]
    fused = zscore_fusion({"dense": DENSE_FLAT, "lexical": lexical}, {**W, "lexical": 0.0})
    assert order(fused)[:4] == [1, 2, 3, 4]
    parts = {row: p for row, _, p in fused}
    assert parts[3] == {"dense": 0.88, "lexical": 8.0} and parts[1] == {"dense": 0.90}


def test_one_method_keeps_its_own_order_and_no_hits_fuse_to_nothing():
    assert order(zscore_fusion({"dense": DENSE_FLAT}, W)) == [1, 2, 3, 4]
    # A single hit or tied scores have no spread: no division by zero, the order stands.
    assert order(zscore_fusion({"lexical": [(7, 3.0)], "fuzzy": [(8, 2.0), (9, 2.0)]}, W)) == [
        7,
        8,
        9,
    ]
    assert zscore_fusion({"dense": [], "lexical": [], "fuzzy": []}, W) == []
