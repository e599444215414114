"""Contract tests of the multi-object tracker: M-of-N confirmation, coasting deletion, gating at the chi-square
bounds, birth suppression, merging, initial states and IMM model probabilities."""

import math

import numpy as np
import pytest
from scipy.stats import chi2

from coop_drive.perception.imm import ImmModels, gaussian_likelihood, imm_combine_reference, imm_predict_reference
from coop_drive.perception.kalman import cv_predict, ekf_update
from coop_drive.perception.measurement import MeasurementKind, predict_measurement
from coop_drive.perception.tracker import MultiObjectTracker, TrackerConfig, batched_update
from coop_drive.sensors.object_sensor import Detection

CV_ONLY = ImmModels((0.0,), initial_probabilities=(1.0,))


def _pv(
    t: float,
    x: float,
    y: float,
    vx: float = 0.0,
    vy: float = 0.0,
    std: float = 1.0,
    length: float = 4.6,
    width: float = 1.8,
) -> Detection:
    return Detection.position_velocity(t, "s", x, y, vx, vy, std, std, "", length, width)


def _pos(t: float, x: float, y: float, var: float = 1.0) -> Detection:
    return Detection(t, "cam", MeasurementKind.POSITION, np.array([x, y]), np.eye(2) * var, (0.0, 0.0), 4.6, 1.8, "")


def _radar(t: float, x: float, y: float, rr: float, sensor=(0.0, 0.0), r=None) -> Detection:
    r = np.diag([1.0, 1.0, 0.04]) if r is None else r
    return Detection(t, "radar", MeasurementKind.POSITION_RADIAL_SPEED, np.array([x, y, rr]), r, sensor, 4.6, 1.8, "")


def _tracker(**kwargs) -> MultiObjectTracker:
    return MultiObjectTracker("t", TrackerConfig(**kwargs))


def test_default_config_is_the_documented_one():
    cfg = TrackerConfig()
    assert (cfg.accel_noise_psd, cfg.confirm_hits, cfg.confirm_window_s, cfg.max_coast_s) == (2.0, 2, 0.5, 1.0)
    assert cfg.initial_speed_std_mps == 10.0
    assert (cfg.gate_probability, cfg.birth_gate_probability) == (0.99, 0.9999)
    assert cfg.merge_gate_chi2 == pytest.approx(chi2.ppf(0.99, 4), abs=1e-2)  # 4 dof, 99 %
    assert cfg.models == ImmModels()


def test_a_second_hit_at_the_end_of_the_window_confirms():
    tracker = _tracker(models=CV_ONLY)
    tracker.update(0.0, [_pv(0.0, 0.0, 0.0)])
    assert tracker.estimates() == [] and len(tracker.estimates(confirmed_only=False)) == 1
    tracker.update(0.5, [_pv(0.5, 0.0, 0.0)])
    (est,) = tracker.estimates()
    assert est.object_id == 1 and est.existence_probability == pytest.approx(0.7)  # 0.5 + 0.1 * 2 hits
    assert type(est.object_id) is int and type(est.existence_probability) is float


def test_an_unconfirmed_track_lives_exactly_the_confirmation_window():
    tracker = _tracker(models=CV_ONLY)
    tracker.update(0.0, [_pv(0.0, 0.0, 0.0)])
    tracker.update(0.5, [])
    assert tracker.track_count == 1  # 0.5 s after birth: still inside the window
    tracker.update(0.625, [])
    assert tracker.track_count == 0 and tracker.estimates(confirmed_only=False) == []


@pytest.mark.xfail(
    strict=True,
    reason="a second hit later than confirm_window_s after birth still confirms the "
    "track when no update ran in between",
)
def test_a_second_hit_after_the_window_does_not_confirm():
    tracker = _tracker(models=CV_ONLY)
    tracker.update(0.0, [_pv(0.0, 0.0, 0.0)])
    tracker.update(0.75, [_pv(0.75, 0.0, 0.0)])  # 2 hits, but not within 0.5 s of the birth
    assert [e.object_id for e in tracker.estimates()] == []


def test_three_hits_needed_when_configured():
    tracker = _tracker(models=CV_ONLY, confirm_hits=3)
    for t in (0.0, 0.125, 0.25):
        assert tracker.estimates() == []
        tracker.update(t, [_pv(t, 0.0, 0.0)])
    assert len(tracker.estimates()) == 1


def test_one_hit_confirms_at_birth_when_configured():
    tracker = _tracker(models=CV_ONLY, confirm_hits=1)
    tracker.update(0.0, [_pv(0.0, 0.0, 0.0)])
    (est,) = tracker.estimates()
    assert est.existence_probability == pytest.approx(0.6)  # 0.5 + 0.1 * 1 hit


def test_a_confirmed_track_coasts_exactly_max_coast():
    tracker = _tracker(models=CV_ONLY)
    tracker.update(0.0, [_pv(0.0, 0.0, 0.0)])
    tracker.update(0.25, [_pv(0.25, 0.0, 0.0)])
    tracker.update(1.25, [])
    assert len(tracker.estimates()) == 1  # 1.0 s without a hit: kept
    tracker.update(1.375, [])
    assert tracker.estimates() == [] and tracker.track_count == 0


def test_coasting_limit_is_configurable():
    tracker = _tracker(models=CV_ONLY, max_coast_s=0.25)
    tracker.update(0.0, [_pv(0.0, 0.0, 0.0)])
    tracker.update(0.125, [_pv(0.125, 0.0, 0.0)])
    tracker.update(0.375, [])
    assert tracker.track_count == 1
    tracker.update(0.5, [])
    assert tracker.track_count == 0


def test_existence_grows_with_hits_up_to_one():
    tracker = _tracker(models=CV_ONLY)
    seen = []
    for k in range(7):
        t = 0.125 * k
        tracker.update(t, [_pv(t, 0.0, 0.0)])
        seen.append([e.existence_probability for e in tracker.estimates()])
    # 0.5 + 0.1 * hits, capped at 1
    assert seen[0] == []
    assert [s[0] for s in seen[1:]] == pytest.approx([0.7, 0.8, 0.9, 1.0, 1.0, 1.0])


def test_position_only_birth_hand_values():
    # velocity unknown: zero, with the configured speed standard deviation 3 m/s -> variance 9
    tracker = _tracker(models=CV_ONLY, confirm_hits=1, initial_speed_std_mps=3.0)
    det = Detection(
        0.0,
        "cam",
        MeasurementKind.POSITION,
        np.array([5.0, 6.0]),
        np.array([[2.0, 0.5], [0.5, 1.0]]),
        (0.0, 0.0),
        4.0,
        2.0,
        "",
    )
    tracker.update(0.0, [det])
    (est,) = tracker.estimates()
    assert est.state == pytest.approx([5.0, 6.0, 0.0, 0.0])
    expected = np.zeros((4, 4))
    expected[:2, :2] = det.r
    expected[2:, 2:] = 9.0 * np.eye(2)
    assert est.covariance == pytest.approx(expected)
    assert (est.length_m, est.width_m, est.stamp_s, est.source_id) == (4.0, 2.0, 0.0, "t")


def test_position_velocity_birth_is_the_detection():
    tracker = _tracker(models=CV_ONLY, confirm_hits=1)
    det = _pv(0.0, 1.0, 2.0, 3.0, 4.0, std=0.5)
    tracker.update(0.0, [det])
    (est,) = tracker.estimates()
    assert est.state == pytest.approx([1.0, 2.0, 3.0, 4.0])
    assert est.covariance == pytest.approx(np.diag([0.25, 0.25, 0.25, 0.25]))
    det.z[0] = 99.0  # the track holds its own copy
    assert tracker.estimates()[0].x_m == 1.0


def test_radar_birth_hand_values():
    # sensor (1, 1), detection (4, 5): line of sight u = (0.6, 0.8), perpendicular (-0.8, 0.6); rr = 2
    # v = rr u = (1.2, 1.6); P_v = 0.04 u u' + 10^2 perp perp'
    tracker = _tracker(models=CV_ONLY, confirm_hits=1)
    tracker.update(0.0, [_radar(0.0, 4.0, 5.0, 2.0, sensor=(1.0, 1.0))])
    (est,) = tracker.estimates()
    assert est.state == pytest.approx([4.0, 5.0, 1.2, 1.6])
    u, perp = np.array([0.6, 0.8]), np.array([-0.8, 0.6])
    assert est.covariance[2:, 2:] == pytest.approx(0.04 * np.outer(u, u) + 100.0 * np.outer(perp, perp))
    assert est.covariance[:2, :2] == pytest.approx(np.eye(2))
    assert est.covariance[:2, 2:] == pytest.approx(np.zeros((2, 2)))


def test_radar_birth_close_to_the_sensor():
    # 0.5 m straight ahead along +x: u = (1, 0) exactly
    tracker = _tracker(models=CV_ONLY, confirm_hits=1)
    tracker.update(0.0, [_radar(0.0, 0.5, 0.0, -3.0)])
    (est,) = tracker.estimates()
    assert est.state == pytest.approx([0.5, 0.0, -3.0, 0.0])
    assert est.covariance[2:, 2:] == pytest.approx(np.diag([0.04, 100.0]))


def test_position_update_equals_the_kalman_update():
    tracker = _tracker(models=CV_ONLY, confirm_hits=1)
    tracker.update(0.0, [_pos(0.0, 0.0, 0.0)])
    tracker.update(0.5, [_pos(0.5, 2.0, -1.0, var=0.5)])
    x, p = np.zeros(4), np.diag([1.0, 1.0, 100.0, 100.0])
    x, p = cv_predict(x, p, 0.5, 2.0)
    h = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]])
    x, p = ekf_update(x, p, np.array([2.0, -1.0]) - x[:2], h, 0.5 * np.eye(2))
    (est,) = tracker.estimates()
    assert est.state == pytest.approx(x, abs=1e-9)
    assert est.covariance == pytest.approx(p, abs=1e-9)


def test_radar_update_equals_the_extended_kalman_update():
    sensor = (-10.0, 0.0)
    tracker = _tracker(models=CV_ONLY, confirm_hits=1)
    tracker.update(0.0, [_pv(0.0, 0.0, 0.0, 5.0, 0.0)])
    r = np.diag([0.5, 0.5, 0.04])
    tracker.update(0.5, [_radar(0.5, 2.6, 0.2, 5.1, sensor=sensor, r=r)])
    x, p = cv_predict(np.array([0.0, 0.0, 5.0, 0.0]), np.eye(4), 0.5, 2.0)
    z_hat, h = predict_measurement(MeasurementKind.POSITION_RADIAL_SPEED, x, sensor)
    x, p = ekf_update(x, p, np.array([2.6, 0.2, 5.1]) - z_hat, h, r)
    (est,) = tracker.estimates()
    assert est.state == pytest.approx(x, abs=1e-9)
    assert est.covariance == pytest.approx(p, abs=1e-9)


def test_batched_update_hand_values():
    # two tracks: the scalar case of test_contract_kalman (K = [0.8, 0, 0.4, 0]) and a 2-d position update
    p0 = np.array([[4.0, 0.0, 2.0, 0.0], [0.0, 1.0, 0.0, 0.0], [2.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
    x, p = batched_update(
        np.ones((1, 4)), p0[None], np.array([[5.0]]), np.array([[[1.0, 0.0, 0.0, 0.0]]]), np.array([[[1.0]]])
    )
    assert x[0] == pytest.approx([5.0, 1.0, 3.0, 1.0])
    assert p[0] == pytest.approx(np.array([[0.8, 0, 0.4, 0], [0, 1, 0, 0], [0.4, 0, 2.2, 0], [0, 0, 0, 1.0]]))
    h = np.array([[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]]] * 2)
    # P = diag(3, 1, 2, 2), R = diag(1, 3), y = [4, 8]: K = diag(0.75, 0.25), P_pos = [0.75, 0.75]
    x, p = batched_update(
        np.zeros((2, 4)),
        np.stack([np.diag([3.0, 1.0, 2.0, 2.0])] * 2),
        np.array([[4.0, 8.0], [0.0, 0.0]]),
        h,
        np.stack([np.diag([1.0, 3.0])] * 2),
    )
    assert x == pytest.approx(np.array([[3.0, 2.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]))
    assert p[0] == pytest.approx(np.diag([0.75, 0.75, 2.0, 2.0])) and p[1] == pytest.approx(p[0])


def _track_at_origin(**kwargs) -> MultiObjectTracker:
    tracker = _tracker(models=CV_ONLY, **kwargs)
    tracker.update(0.0, [_pv(0.0, 0.0, 0.0)])  # P = I
    return tracker


def test_position_gate_is_the_two_dof_chi_square_bound():
    # S = P + R = 2 I (no time passes): d2 = d^2 / 2; the 99 % gate in 2 dof is 9.2103
    inside = _track_at_origin()
    inside.update(0.0, [_pos(0.0, math.sqrt(2 * 9.2103 * (1 - 1e-5)), 0.0)])
    assert inside.track_count == 1 and inside.estimates()[0].x_m > 2.0  # assigned: the state moved
    outside = _track_at_origin()
    outside.update(0.0, [_pos(0.0, math.sqrt(2 * 9.2104 * (1 + 1e-5)), 0.0)])
    # not assigned, but inside the birth gate (18.42): no update and no new track
    assert outside.track_count == 1 and outside.estimates(confirmed_only=False)[0].x_m == 0.0
    assert outside.estimates() == []  # still one hit


def test_birth_gate_is_the_99_99_percent_bound():
    near = _track_at_origin()
    near.update(0.0, [_pos(0.0, math.sqrt(2 * 18.4206 * (1 - 1e-5)), 0.0)])
    assert near.track_count == 1
    far = _track_at_origin()
    far.update(0.0, [_pos(0.0, math.sqrt(2 * 18.4207 * (1 + 1e-5)), 0.0)])
    assert far.track_count == 2
    assert [e.object_id for e in far.estimates(confirmed_only=False)] == [1, 2]


def test_gate_probabilities_are_configurable():
    # gate 0.9 in 2 dof: -2 ln 0.1 = 4.6052; birth 0.99: 9.2103
    tracker = _track_at_origin(gate_probability=0.9, birth_gate_probability=0.99, merge_gate_chi2=1.0)
    tracker.update(0.0, [_pos(0.0, math.sqrt(2 * 5.0), 0.0)])
    assert tracker.track_count == 1 and tracker.estimates(confirmed_only=False)[0].x_m == 0.0
    tracker.update(0.0, [_pos(0.0, math.sqrt(2 * 9.5), 0.0)])
    assert tracker.track_count == 2


def test_full_state_gate_is_the_four_dof_bound():
    # S = 2 I over [x, y, vx, vy]: d2 = 10 is beyond the 2-dof gate but inside the 4-dof one (13.28)
    tracker = _track_at_origin()
    tracker.update(0.0, [_pv(0.0, math.sqrt(2 * 10.0), 0.0)])
    assert tracker.track_count == 1 and len(tracker.estimates()) == 1  # assigned: second hit
    tracker = _track_at_origin()
    tracker.update(0.0, [_pv(0.0, math.sqrt(2 * 13.4), 0.0)])
    assert tracker.track_count == 1 and tracker.estimates() == []  # outside the gate, inside the birth gate (23.5)
    tracker = _track_at_origin()
    tracker.update(0.0, [_pv(0.0, math.sqrt(2 * 23.6), 0.0)])
    assert tracker.track_count == 2


def test_radar_gate_is_the_three_dof_bound():
    # S = 2 I in [x, y, rr] for a target at rest 10 m from the sensor with R = I: the 3-dof gate is 11.34
    def run(d2: float) -> MultiObjectTracker:
        tracker = _tracker(models=CV_ONLY)
        tracker.update(0.0, [_pv(0.0, 10.0, 0.0)])
        tracker.update(0.0, [_radar(0.0, 10.0, 0.0, math.sqrt(2 * d2), r=np.eye(3))])
        return tracker

    assert len(run(11.0).estimates()) == 1
    assert len(run(11.5).estimates()) == 0 and run(11.5).track_count == 1
    assert run(21.2).track_count == 2  # beyond the 3-dof birth gate 21.11


def test_a_second_detection_near_a_track_is_not_born():
    tracker = _track_at_origin()
    tracker.update(0.125, [_pv(0.125, 0.1, 0.0), _pv(0.125, -0.1, 0.0), _pv(0.125, 50.0, 0.0)])
    # one of the two close detections updates the track, the other is explained by it; the far one is born
    assert tracker.track_count == 2
    assert [e.object_id for e in tracker.estimates(confirmed_only=False)] == [1, 2]


def test_detections_of_different_kinds_in_one_update():
    tracker = _tracker(models=CV_ONLY)
    tracker.update(0.0, [_pv(0.0, 0.0, 0.0), _pv(0.0, 30.0, 0.0), _pv(0.0, 60.0, 0.0)])
    tracker.update(0.125, [_pos(0.125, 0.0, 0.2), _radar(0.125, 30.0, 0.1, 0.0), _pv(0.125, 60.0, 0.1)])
    assert [e.object_id for e in tracker.estimates()] == [1, 2, 3]


def test_track_size_follows_the_assigned_detection():
    tracker = _tracker(models=CV_ONLY)
    tracker.update(0.0, [_pv(0.0, 0.0, 0.0, length=4.0, width=2.0)])
    tracker.update(0.125, [_pv(0.125, 0.0, 0.0, length=5.0, width=2.5)])
    (est,) = tracker.estimates()
    assert (est.length_m, est.width_m) == (5.0, 2.5)


def test_duplicates_are_merged_keeping_the_older_track():
    tracker = _tracker(models=CV_ONLY, merge_gate_chi2=8.0)
    # 4 m apart, S = 2 I over the full state: d2 = 8, exactly the merge gate -> one object
    tracker.update(0.0, [_pv(0.0, 0.0, 0.0), _pv(0.0, 4.0, 0.0)])
    assert tracker.track_count == 1
    assert tracker.estimates(confirmed_only=False)[0].x_m == 0.0
    tracker = _tracker(models=CV_ONLY, merge_gate_chi2=7.99)
    tracker.update(0.0, [_pv(0.0, 0.0, 0.0), _pv(0.0, 4.0, 0.0)])
    assert tracker.track_count == 2


def test_merging_considers_velocity():
    # same place, crossing directions: d2 = (10^2 + 10^2) / 2 = 100, beyond the merge gate
    tracker = _tracker(models=CV_ONLY)
    tracker.update(0.0, [_pv(0.0, 0.0, 0.0, 10.0, 0.0), _pv(0.0, 0.0, 0.0, 0.0, 10.0)])
    assert tracker.track_count == 2


def test_merging_a_chain_drops_only_the_duplicates_of_survivors():
    # three tracks 3 m apart: 1-2 and 2-3 within the gate (d2 = 4.5), 1-3 not (d2 = 18): 2 goes, 3 stays
    tracker = _tracker(models=CV_ONLY)
    tracker.update(0.0, [_pv(0.0, 0.0, 0.0), _pv(0.0, 3.0, 0.0), _pv(0.0, 6.0, 0.0)])
    assert [e.object_id for e in tracker.estimates(confirmed_only=False)] == [1, 3]


def test_estimates_are_predicted_to_the_requested_time():
    tracker = _tracker(models=CV_ONLY, confirm_hits=1)
    tracker.update(1.0, [_pv(1.0, 0.0, 0.0, 4.0, -2.0)])
    (now,) = tracker.estimates()
    (same,) = tracker.estimates(1.0)
    assert now.stamp_s == same.stamp_s == 1.0 and same.state == pytest.approx(now.state)
    (later,) = tracker.estimates(1.5)
    x, p = cv_predict(np.array([0.0, 0.0, 4.0, -2.0]), np.eye(4), 0.5, 2.0)
    assert later.stamp_s == 1.5
    assert later.state == pytest.approx(x) and later.covariance == pytest.approx(p)
    (again,) = tracker.estimates()  # asking does not move the tracks
    assert again.stamp_s == 1.0 and again.x_m == 0.0
    assert MultiObjectTracker("empty").estimates(3.0) == []


def test_tracks_are_predicted_between_updates_with_the_configured_noise():
    tracker = _tracker(models=CV_ONLY, accel_noise_psd=0.5)
    tracker.update(0.0, [_pv(0.0, 0.0, 0.0, 4.0, 0.0)])
    tracker.update(0.5, [])
    (est,) = tracker.estimates(confirmed_only=False)
    x, p = cv_predict(np.array([0.0, 0.0, 4.0, 0.0]), np.eye(4), 0.5, 0.5)
    assert est.stamp_s == 0.5 and est.state == pytest.approx(x) and est.covariance == pytest.approx(p)


def test_model_probabilities_follow_the_likelihoods():
    models = ImmModels((0.0, 0.5), mean_sojourn_s=2.0, initial_probabilities=(0.5, 0.5))
    tracker = MultiObjectTracker("t", TrackerConfig(models=models, confirm_hits=1))
    tracker.update(0.0, [_pv(0.0, 0.0, 0.0, 10.0, 0.0)])
    assert tracker.model_probabilities()[1] == pytest.approx([0.5, 0.5])
    det = _pv(0.5, 5.0, 0.6, 9.8, 2.0, std=0.5)
    tracker.update(0.5, [det])
    # by hand: mixing and prediction, likelihoods N(z - x_j; 0, P_j + R), mu_j ~ c_j L_j
    xm = np.array([[[0.0, 0.0, 10.0, 0.0]] * 2])
    pm = np.array([[np.eye(4)] * 2])
    xp, pp, c = imm_predict_reference(xm, pm, np.array([[0.5, 0.5]]), models, 0.5, 2.0)
    lik = gaussian_likelihood(det.z - xp[0], pp[0] + det.r)
    mu = c[0] * lik / np.sum(c[0] * lik)
    assert mu[1] > mu[0]  # the turning model explains the detection better
    got = tracker.model_probabilities()
    assert list(got) == [1]
    assert got[1] == pytest.approx(mu, rel=1e-9)
    got[1][0] = 7.0  # a copy
    assert tracker.model_probabilities()[1] == pytest.approx(mu, rel=1e-9)
    x_upd = np.empty((2, 4))
    p_upd = np.empty((2, 4, 4))
    for j in range(2):
        x_upd[j], p_upd[j] = ekf_update(xp[0, j], pp[0, j], det.z - xp[0, j], np.eye(4), det.r)
    x_want, p_want = imm_combine_reference(x_upd[None], p_upd[None], mu[None])
    (est,) = tracker.estimates()
    assert est.state == pytest.approx(x_want[0], abs=1e-9) and est.covariance == pytest.approx(p_want[0], abs=1e-9)


def test_model_probabilities_with_position_measurements():
    models = ImmModels((0.0, -0.5), mean_sojourn_s=2.0, initial_probabilities=(0.7, 0.3))
    tracker = MultiObjectTracker("t", TrackerConfig(models=models, confirm_hits=1))
    tracker.update(0.0, [_pv(0.0, 0.0, 0.0, 10.0, 0.0)])
    det = _pos(0.5, 5.0, -0.6, var=0.25)
    tracker.update(0.5, [det])
    xm = np.array([[[0.0, 0.0, 10.0, 0.0]] * 2])
    pm = np.array([[np.eye(4)] * 2])
    xp, pp, c = imm_predict_reference(xm, pm, np.array([[0.7, 0.3]]), models, 0.5, 2.0)
    lik = gaussian_likelihood(det.z - xp[0][:, :2], pp[0][:, :2, :2] + det.r)
    mu = c[0] * lik / np.sum(c[0] * lik)
    assert tracker.model_probabilities()[1] == pytest.approx(mu, rel=1e-9)


def test_model_probabilities_are_kept_when_every_likelihood_underflows():
    # an enormous measurement covariance: every N(y; 0, S) underflows to 0; the predicted probabilities remain
    models = ImmModels((0.0, 0.5), mean_sojourn_s=2.0, initial_probabilities=(0.5, 0.5))
    tracker = MultiObjectTracker("t", TrackerConfig(models=models, confirm_hits=1))
    tracker.update(0.0, [_pv(0.0, 0.0, 0.0, 10.0, 0.0)])
    det = Detection(
        0.0,
        "s",
        MeasurementKind.POSITION_VELOCITY,
        np.array([0.0, 0.0, 10.0, 0.0]),
        np.eye(4) * 1e160,
        (0.0, 0.0),
        4.6,
        1.8,
        "",
    )
    tracker.update(0.0, [det])
    assert tracker.model_probabilities()[1] == pytest.approx([0.5, 0.5])
    assert len(tracker.estimates()) == 1


def test_tracks_are_predicted_over_a_whole_second():
    # 1 s at 4 m/s, q = 2: x = 4, P00 = 1 + 1 + 2/3, P02 = 1 + 1, P22 = 1 + 2
    tracker = _tracker(models=CV_ONLY, confirm_hits=1)
    tracker.update(0.0, [_pv(0.0, 0.0, 0.0, 4.0, 0.0)])
    tracker.update(1.0, [])
    (est,) = tracker.estimates(confirmed_only=False)
    assert est.stamp_s == 1.0 and est.state == pytest.approx([4.0, 0.0, 4.0, 0.0])
    assert est.covariance[0, 0] == pytest.approx(2.0 + 2.0 / 3.0)
    assert est.covariance[0, 2] == pytest.approx(2.0) and est.covariance[2, 2] == pytest.approx(3.0)


@pytest.mark.parametrize("kind", [MeasurementKind.POSITION, MeasurementKind.POSITION_RADIAL_SPEED])
def test_two_tracks_updated_at_once_by_an_extended_measurement(kind):
    # two tracks, two models, one detection each: every (track, model) pair uses its own sensor and likelihood
    models = ImmModels((0.0, 0.5), mean_sojourn_s=2.0, initial_probabilities=(0.5, 0.5))
    tracker = MultiObjectTracker("t", TrackerConfig(models=models, confirm_hits=1))
    tracker.update(0.0, [_pv(0.0, 0.0, 0.0, 10.0, 0.0), _pv(0.0, 0.0, 50.0, 0.0, -5.0)])
    sensors = [(-20.0, 5.0), (30.0, 40.0)]
    zs = [np.array([5.0, 0.4, 9.5]), np.array([0.3, 47.4, -4.0])]
    dim = 2 if kind is MeasurementKind.POSITION else 3
    r = np.diag([0.5, 0.5, 0.04])[:dim, :dim]
    dets = [Detection(0.5, "s", kind, z[:dim], r, s, 4.6, 1.8, "") for z, s in zip(zs, sensors, strict=True)]
    tracker.update(0.5, dets)
    xm = np.array([[[0.0, 0.0, 10.0, 0.0]] * 2, [[0.0, 50.0, 0.0, -5.0]] * 2])
    pm = np.array([[np.eye(4)] * 2] * 2)
    xp, pp, c = imm_predict_reference(xm, pm, np.full((2, 2), 0.5), models, 0.5, 2.0)
    got = tracker.model_probabilities()
    for t in range(2):
        lik = np.empty(2)
        for j in range(2):
            z_hat, h = predict_measurement(kind, xp[t, j], sensors[t])
            lik[j] = gaussian_likelihood(dets[t].z - z_hat, h @ pp[t, j] @ h.T + r)
        assert got[t + 1] == pytest.approx(c[t] * lik / np.sum(c[t] * lik), rel=1e-9)
