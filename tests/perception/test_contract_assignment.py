"""Contract tests of gating candidates and the sparse global nearest neighbour assignment."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_drive.perception.assignment import assign_sparse
from coop_drive.perception.gating import gate_candidates

NO_MATCH = 1e6


def _pairs(rows, cols) -> list[tuple[int, int]]:
    return list(zip(rows.tolist(), cols.tolist(), strict=True))


def _assign(pairs: dict[tuple[int, int], float], n_rows: int, n_cols: int):
    keys = list(pairs)
    rows = np.array([i for i, _ in keys], dtype=np.intp)
    cols = np.array([j for _, j in keys], dtype=np.intp)
    costs = np.array([pairs[k] for k in keys], dtype=float)
    return assign_sparse(rows, cols, costs, n_rows, n_cols, NO_MATCH)


def _brute_force(pairs: dict[tuple[int, int], float]) -> tuple[int, float]:
    """Best (number of pairs, summed cost) over all matchings: most pairs first, then least cost."""
    keys = list(pairs)
    best = (0, 0.0)
    for size in range(1, len(keys) + 1):
        for subset in itertools.combinations(keys, size):
            rows = {i for i, _ in subset}
            cols = {j for _, j in subset}
            if len(rows) == len(cols) == size:
                cost = sum(pairs[k] for k in subset)
                if size > best[0] or (size == best[0] and cost < best[1]):
                    best = (size, cost)
    return best


def test_unique_pairs_are_taken_directly():
    rows, cols = _assign({(2, 0): 5.0, (0, 3): 1.0, (1, 1): 9.0}, 3, 4)
    assert rows.dtype == np.intp and cols.dtype == np.intp
    assert _pairs(rows, cols) == [(0, 3), (1, 1), (2, 0)]  # sorted by row


def test_global_optimum_is_not_greedy():
    # greedy would take (0, 0) at cost 1 and then (1, 1) at 10: 11; the optimum is (0, 1) + (1, 0): 2 + 2 = 4
    rows, cols = _assign({(0, 0): 1.0, (0, 1): 2.0, (1, 0): 2.0, (1, 1): 10.0}, 2, 2)
    assert _pairs(rows, cols) == [(0, 1), (1, 0)]


def test_more_pairs_beat_a_cheaper_single_pair():
    # (0, 0) alone costs 1, but (0, 1) + (1, 0) assigns both rows: 2 pairs outrank any cost
    rows, cols = _assign({(0, 0): 1.0, (0, 1): 50.0, (1, 0): 50.0}, 2, 2)
    assert _pairs(rows, cols) == [(0, 1), (1, 0)]


def test_rows_competing_for_one_column_leave_one_unassigned():
    # rows 0 and 1 both want only column 0; row 2 may take column 1 or 2: one of rows 0/1 stays unassigned
    rows, cols = _assign({(0, 0): 3.0, (1, 0): 1.0, (2, 1): 4.0, (2, 2): 2.0}, 3, 3)
    assert _pairs(rows, cols) == [(1, 0), (2, 2)]


def test_mixed_unique_and_contested_pairs_are_sorted_by_row():
    # row 3 - column 5 is unique; rows 0 and 2 share columns 1 and 4
    rows, cols = _assign({(3, 5): 7.0, (0, 1): 1.0, (0, 4): 5.0, (2, 1): 2.0, (2, 4): 9.0}, 4, 6)
    # (0, 1) + (2, 4) = 10 against (0, 4) + (2, 1) = 7
    assert _pairs(rows, cols) == [(0, 4), (2, 1), (3, 5)]
    assert rows.dtype == np.intp and cols.dtype == np.intp


def test_nothing_to_assign():
    empty = np.zeros(0, dtype=np.intp)
    rows, cols = assign_sparse(empty, empty, np.zeros(0), 2, 2, NO_MATCH)
    assert rows.dtype == np.intp and cols.dtype == np.intp and len(rows) == len(cols) == 0


@st.composite
def _gated_pairs(draw):
    n_rows, n_cols = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    cells = [(i, j) for i in range(n_rows) for j in range(n_cols)]
    chosen = draw(st.lists(st.sampled_from(cells), unique=True, min_size=1, max_size=min(len(cells), 6)))
    costs = draw(st.lists(st.integers(0, 30), min_size=len(chosen), max_size=len(chosen)))
    return {c: float(v) for c, v in zip(chosen, costs, strict=True)}, n_rows, n_cols


@settings(max_examples=40, deadline=None, derandomize=True)
@given(_gated_pairs())
def test_assignment_is_optimal_against_brute_force(case):
    pairs, n_rows, n_cols = case
    rows, cols = _assign(pairs, n_rows, n_cols)
    got = _pairs(rows, cols)
    assert all(p in pairs for p in got)  # only gated pairs
    assert len(set(rows.tolist())) == len(rows) and len(set(cols.tolist())) == len(cols)  # each once
    assert rows.tolist() == sorted(rows.tolist())
    assert (len(got), sum(pairs[p] for p in got)) == _brute_force(pairs)


def test_gate_pairs_at_the_bound_are_inside():
    # |d|^2 = 9 = gate 6 * (1 + 0.5): exactly on the bound, inside
    a, b = np.array([[0.0, 0.0]]), np.array([[3.0, 0.0], [0.0, -3.0], [3.001, 0.0], [0.0, 3.001]])
    ii, jj = gate_candidates(a, np.array([1.0]), b, np.array([0.5, 0.5, 0.5, 0.5]), 6.0)
    assert _pairs(ii, jj) == [(0, 0), (0, 1)]
    assert ii.dtype == np.intp and jj.dtype == np.intp


def test_gate_uses_each_pairs_own_spreads():
    # b0 has a small spread: |d|^2 = 4 > 1 * (1 + 2); b1 the same distance with spread 3: 4 <= 1 * (1 + 3)
    a = np.array([[0.0, 0.0], [100.0, 100.0]])
    b = np.array([[2.0, 0.0], [0.0, 2.0], [100.0, 101.5]])
    ii, jj = gate_candidates(a, np.array([1.0, 0.5]), b, np.array([2.0, 3.0, 2.0]), 1.0)
    # a1 - b2: 2.25 <= 0.5 + 2
    assert _pairs(ii, jj) == [(0, 1), (1, 2)]


def test_gate_candidates_are_sorted_by_row_then_column_unless_asked_not_to():
    # b is indexed against its x order: the sweep meets b2, b1, b0
    a = np.array([[0.0, 0.0], [1.0, 0.0]])
    b = np.array([[2.0, 0.0], [1.0, 0.5], [0.0, 0.0]])
    spread = np.ones(3)
    ii, jj = gate_candidates(a, np.ones(2), b, spread, 10.0)
    assert _pairs(ii, jj) == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    ii, jj = gate_candidates(a, np.ones(2), b, spread, 10.0, sort_pairs=False)
    assert sorted(_pairs(ii, jj)) == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    assert _pairs(ii, jj)[:3] == [(0, 2), (0, 1), (0, 0)]  # grouped by row, then by x of b


def test_gate_candidates_of_empty_sets():
    a, s = np.zeros((2, 2)), np.ones(2)
    for ii, jj in (
        gate_candidates(np.zeros((0, 2)), np.zeros(0), a, s, 9.0),
        gate_candidates(a, s, np.zeros((0, 2)), np.zeros(0), 9.0),
    ):
        assert len(ii) == len(jj) == 0 and ii.dtype == np.intp and jj.dtype == np.intp


def test_gate_candidates_accept_integer_and_strided_inputs():
    a = np.array([[0, 9, 0], [5, 9, 0]])[:, ::2]  # (0, 0), (5, 0) as a strided integer view
    b = np.array([[1, 0], [5, 1]])
    ii, jj = gate_candidates(a, np.array([1, 1]), b, np.array([1, 1]), 1)
    assert _pairs(ii, jj) == [(0, 0), (1, 1)]


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.integers(0, 2**32 - 1), st.integers(1, 12), st.integers(1, 12), st.floats(0.5, 30.0))
def test_gate_candidates_equal_the_dense_bound_at_moderate_coordinates(seed, n, m, gate):
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(-20.0, 20.0, (n, 2)), rng.uniform(-20.0, 20.0, (m, 2))
    sa, sb = rng.uniform(0.1, 2.0, n), rng.uniform(0.1, 2.0, m)
    d2 = ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2)
    bound = gate * (sa[:, None] + sb[None, :])
    ii, jj = gate_candidates(a, sa, b, sb, gate)
    got = set(_pairs(ii, jj))
    assert {(i, j) for i, j in zip(*np.nonzero(d2 <= bound), strict=True)} <= got
    for i, j in got:
        assert d2[i, j] <= bound[i, j] * (1 + 1e-6) + 1e-6
    assert _pairs(ii, jj) == sorted(got)


@pytest.mark.parametrize("scale", [1.0, 1e3])
def test_gate_reach_covers_the_widest_spread(scale):
    # a pair exactly on the bound along x, with the largest spreads: it must not be pruned by the x sweep
    a = np.array([[scale, 0.0], [scale, 50.0]])
    b = np.array([[scale + 4.0, 0.0], [scale, 50.5]])
    ii, jj = gate_candidates(a, np.array([1.0, 0.1]), b, np.array([3.0, 0.1]), 4.0)
    # |d|^2 = 16 = 4 * (1 + 3); the second pair 0.25 <= 4 * 0.2
    assert _pairs(ii, jj) == [(0, 0), (1, 1)]
