import math

import numpy as np
import pytest

from coop_drive.eval.perception_metrics import PerceptionRecorder
from coop_drive.geometry import Polyline
from coop_drive.perception.objects import ObjectEstimate
from coop_drive.world.backend import ActorState

ROUTE = Polyline(np.array([[-200.0, -1.75], [200.0, -1.75]]))  # eastbound


def _actor(aid: str, x: float, y: float, yaw: float) -> ActorState:
    return ActorState(aid, x, y, yaw, 10.0, 0.0, 4.6, 1.8)


def _est(x: float, y: float) -> ObjectEstimate:
    return ObjectEstimate(1, "mec", 0.0, np.array([x, y, 0.0, 10.0]), np.eye(4), 4.6, 1.8)


def test_first_detection_is_measured_against_the_crossing_actors_arrival():
    rec = PerceptionRecorder("ego", ROUTE, ego_width_m=1.8)
    for k in range(60):
        t = k * 0.1
        truth = {"ego": _actor("ego", -40.0 + t, -1.75, 0.0), "x": _actor("x", 1.75, -50.0 + 10.0 * t, math.pi / 2)}
        rec.on_truth(t, truth)
        picture = [_est(1.75 + 0.5, truth["x"].y_m)] if t >= 1.0 else []  # seen from 1.0 s on, 0.5 m off
        rec.on_picture(t, truth, picture)
    result = rec.result()
    # x's centre enters the corridor (|lateral| <= (1.8 + 4.6) / 2 = 3.2 m) at y = -4.95: t = 4.505 -> 4.6 s
    assert result.first_detection_s == pytest.approx(4.6 - 1.0)
    assert result.pos_rmse_m == pytest.approx(0.5)
    # 10 cycles with the actor missed (cut-off 5: sqrt(25 / 2)), 50 with 0.5 m error
    assert result.gospa == pytest.approx((10 * math.sqrt(12.5) + 50 * 0.5) / 60)


def test_nothing_to_measure_gives_none():
    rec = PerceptionRecorder("ego", ROUTE, ego_width_m=1.8)
    rec.on_truth(0.0, {"ego": _actor("ego", 0.0, -1.75, 0.0), "lead": _actor("lead", 30.0, -1.75, 0.0)})
    result = rec.result()
    assert result.first_detection_s is None and result.gospa is None and result.pos_rmse_m is None
