"""Contract tests of the compiled small-matrix helpers."""

import numpy as np
import pytest

from coop_drive.perception.small_linalg import (
    invert_into,
    mahalanobis_sq,
    matmul_into,
    matmul_transposed_into,
    trace_of_product,
    warm_up,
)


def test_warm_up_compiles_every_helper_for_float64_matrices():
    warm_up()
    for helper in (invert_into, mahalanobis_sq, matmul_into, trace_of_product):
        assert any("float64" in str(sig) for sig in helper.signatures), helper


def test_helpers_hand_values():
    # det [[2, 1], [1, 2]] = 3, inverse [[2, -1], [-1, 2]] / 3
    m = np.array([[2.0, 1.0], [1.0, 2.0]])
    out, work = np.empty((2, 2)), np.empty((2, 4))
    assert invert_into(m, out, work) == pytest.approx(3.0)
    assert out == pytest.approx(np.array([[2.0, -1.0], [-1.0, 2.0]]) / 3.0)
    # a row swap flips the sign of the determinant
    assert invert_into(np.array([[0.0, 1.0], [1.0, 0.0]]), out, work) == pytest.approx(-1.0)
    # y = [1, -1]: y' S^-1 y = (2 + 1 + 1 + 2) / 3 = 2
    assert mahalanobis_sq(np.array([[1.0, -1.0]]), m[None]) == pytest.approx([2.0])
    a, b = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.0, 1.0], [1.0, 0.0]])
    matmul_into(a, b, out)
    assert out == pytest.approx(np.array([[2.0, 1.0], [4.0, 3.0]]))
    matmul_transposed_into(a, a, out, False)
    assert out == pytest.approx(a @ a.T)
    matmul_transposed_into(a, a, out, True)
    assert out == pytest.approx(2 * a @ a.T)
    assert trace_of_product(a, b) == pytest.approx(np.trace(a @ b))
