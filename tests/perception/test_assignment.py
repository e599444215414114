import numpy as np
from scipy.optimize import linear_sum_assignment

from coop_drive.geometry import squared_distances
from coop_drive.perception.assignment import assign_sparse
from coop_drive.perception.gating import gate_candidates

_NO_MATCH = 1e6


def _dense(cost: np.ndarray) -> set[tuple[int, int]]:
    rows, cols = linear_sum_assignment(cost)
    return {(int(i), int(j)) for i, j in zip(rows, cols, strict=True) if cost[i, j] < _NO_MATCH}


def test_sparse_assignment_equals_the_dense_hungarian_on_random_scenes():
    rng = np.random.default_rng(7)
    for _ in range(400):
        n_rows, n_cols = (int(v) for v in rng.integers(1, 60, 2))
        # clustered points: from isolated one-to-one pairs to dense conflicts
        spread = rng.choice([0.3, 1.0, 3.0, 10.0])
        a = rng.uniform(0.0, 40.0, (n_rows, 2))
        b = np.concatenate([a[: min(n_rows, n_cols)] + rng.normal(0.0, spread, (min(n_rows, n_cols), 2)),
                            rng.uniform(0.0, 40.0, (n_cols - min(n_rows, n_cols), 2))])
        rng.shuffle(b)
        d2 = squared_distances(a, b)
        gated = d2 <= rng.uniform(1.0, 20.0)
        cost = np.where(gated, d2, _NO_MATCH)
        ii, jj = np.nonzero(gated)
        rows, cols = assign_sparse(ii, jj, d2[ii, jj], n_rows, n_cols, _NO_MATCH)
        assert list(rows) == sorted(rows)
        assert set(zip(rows.tolist(), cols.tolist(), strict=True)) == _dense(cost)


def test_sparse_assignment_of_nothing():
    empty = np.zeros(0, dtype=np.intp)
    rows, cols = assign_sparse(empty, empty, np.zeros(0), 3, 4, _NO_MATCH)
    assert len(rows) == len(cols) == 0


def test_gate_candidates_contain_the_dense_bound_sorted():
    rng = np.random.default_rng(11)
    for _ in range(200):
        n, m = (int(v) for v in rng.integers(1, 120, 2))
        scale = float(rng.choice([5.0, 50.0, 5000.0]))
        a, b = rng.uniform(0.0, scale, (n, 2)), rng.uniform(0.0, scale, (m, 2))
        b[: min(n, m)] = a[: min(n, m)] + rng.normal(0.0, 1.0, (min(n, m), 2))
        spread_a, spread_b, gate = rng.uniform(0.01, 1.0, n), rng.uniform(0.01, 1.0, m), rng.uniform(1.0, 25.0)
        dense = np.nonzero(squared_distances(a, b) <= gate * (spread_a[:, None] + spread_b[None, :]))
        ii, jj = gate_candidates(a, spread_a, b, spread_b, gate)
        got = list(zip(ii.tolist(), jj.tolist(), strict=True))
        assert got == sorted(got)
        assert set(zip(dense[0].tolist(), dense[1].tolist(), strict=True)) <= set(got)
        for i, j in set(got) - set(zip(dense[0].tolist(), dense[1].tolist(), strict=True)):
            assert np.sum((a[i] - b[j]) ** 2) >= gate * (spread_a[i] + spread_b[j]) * (1.0 - 1e-6)  # rounding only
        unsorted = gate_candidates(a, spread_a, b, spread_b, gate, sort_pairs=False)
        assert sorted(zip(unsorted[0].tolist(), unsorted[1].tolist(), strict=True)) == got
