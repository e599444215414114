import numpy as np

from coop_drive.perception.tracker import MultiObjectTracker
from coop_drive.sensors.object_sensor import Detection


def _det(t: float, x: float, y: float, vx: float, vy: float, truth: str) -> Detection:
    return Detection.position_velocity(t, "s", x, y, vx, vy, 0.3, 0.3, truth)


def test_two_crossing_targets_keep_their_identities():
    rng = np.random.default_rng(11)
    tracker = MultiObjectTracker("test")
    ids_by_truth: dict[str, set[int]] = {"east": set(), "north": set()}
    for k in range(60):
        t = k * 0.1
        a = (-30.0 + 10.0 * t, 0.0, 10.0, 0.0)  # eastbound
        b = (0.0, -30.0 + 10.0 * t, 0.0, 10.0)  # northbound, meeting at the origin at t = 3 s
        dets = [_det(t, *(np.array(a) + rng.normal(0, 0.3, 4)), "east"),
                _det(t, *(np.array(b) + rng.normal(0, 0.3, 4)), "north")]
        tracker.update(t, dets)
        for est in tracker.estimates():
            truth = "east" if abs(est.vx_mps) > abs(est.vy_mps) else "north"
            ids_by_truth[truth].add(est.object_id)
    assert ids_by_truth == {"east": {1}, "north": {2}}


def test_track_confirmed_after_two_hits_and_deleted_after_coasting():
    tracker = MultiObjectTracker("test")
    tracker.update(0.0, [_det(0.0, 0.0, 0.0, 5.0, 0.0, "a")])
    assert tracker.estimates() == []
    tracker.update(0.1, [_det(0.1, 0.5, 0.0, 5.0, 0.0, "a")])
    (est,) = tracker.estimates()
    assert abs(est.x_m - 0.5) < 0.3
    tracker.update(0.6, [])
    assert len(tracker.estimates()) == 1  # coasting
    tracker.update(1.2, [])
    assert tracker.estimates() == []  # more than max_coast_s without a hit
