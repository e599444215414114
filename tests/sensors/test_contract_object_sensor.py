"""Contract of the object-level sensor model: pose, range, field of view, occlusion, noise, detection probability.

Numbers are hand-computed from the documented model: a target is seen when one of its five reference points
(centre, corners) is within range and field of view (both ends inclusive) and its line of sight crosses no
building outline and, for sensors mounted at or below vehicle roof height (1.5 m), no other vehicle's footprint.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_drive.perception.measurement import MeasurementKind
from coop_drive.scenario.model import SensorModel, SensorSpec
from coop_drive.sensors.object_sensor import VEHICLE_HEIGHT_M, Detection, ObjectSensor, SensorPose
from coop_drive.world.backend import ActorState, Building

# a 10 m x 10 m block between x = 10 and 20, centred on the x axis
BLOCK = Building("block", np.array([[10.0, -5.0], [20.0, -5.0], [20.0, 5.0], [10.0, 5.0]]))
# a second block far to the north, off every line of sight used below
FAR_BLOCK = Building("far", np.array([[-5.0, 80.0], [5.0, 80.0], [5.0, 90.0], [-5.0, 90.0]]))

LOW_M, ROOF_M, ROOF_RACK_M, POLE_M = 0.5, VEHICLE_HEIGHT_M, 1.6, 6.0
ALL_HEIGHTS = (LOW_M, ROOF_M, ROOF_RACK_M, POLE_M)


def _spec(**kw: object) -> SensorSpec:
    base: dict[str, object] = dict(
        sensor_id="s",
        x_m=0.0,
        y_m=0.0,
        z_m=LOW_M,
        yaw_rad=0.0,
        range_m=100.0,
        fov_rad=math.radians(120),
        detection_probability=1.0,
        rate_hz=20.0,
    )
    base.update(kw)
    return SensorSpec(**base)  # type: ignore[arg-type]


def _car(
    aid: str, x: float, y: float, yaw: float = 0.0, speed: float = 0.0, length: float = 4.6, width: float = 1.8
) -> ActorState:
    return ActorState(aid, x, y, yaw, speed, 0.0, length, width)


def _point(aid: str, x: float, y: float) -> ActorState:
    """A target without extent: all five reference points coincide."""
    return ActorState(aid, x, y, 0.0, 0.0, 0.0, 0.0, 0.0)


ORIGIN = SensorPose(0.0, 0.0, 0.0)


class ScriptedRng:
    """Hands out given standard-normal and uniform values in order; fails when asked for more."""

    def __init__(self, normals: Sequence[float] = (), uniforms: Sequence[float] = ()) -> None:
        self.normals = list(normals)
        self.uniforms = list(uniforms)

    def standard_normal(self, n: int) -> np.ndarray:
        assert len(self.normals) >= n, "more normal draws than scripted"
        out, self.normals = self.normals[:n], self.normals[n:]
        return np.array(out, dtype=float)

    def random(self) -> float:
        assert self.uniforms, "more uniform draws than scripted"
        return self.uniforms.pop(0)


def _sensor(spec: SensorSpec, buildings: Sequence[Building] = (), rng: object | None = None) -> ObjectSensor:
    return ObjectSensor(spec, buildings, rng if rng is not None else np.random.default_rng(0))  # type: ignore[arg-type]


# -- Detection ----------------------------------------------------------------------------------------------


def test_detection_rejects_a_measurement_of_the_wrong_size_naming_kind_and_shapes():
    with pytest.raises(AssertionError, match=r"POSITION: z must be \(2,\) and r \(2, 2\), got \(3,\) \(2, 2\)"):
        Detection(0.0, "s", MeasurementKind.POSITION, np.zeros(3), np.zeros((2, 2)), (0.0, 0.0), 4.6, 1.8, "t")
    with pytest.raises(
        AssertionError,
        match=r"POSITION_RADIAL_SPEED: z must be \(3,\) and r \(3, 3\), got \(3,\) "
        r"\(2, 2\)",
    ):
        Detection(
            0.0, "s", MeasurementKind.POSITION_RADIAL_SPEED, np.zeros(3), np.zeros((2, 2)), (0.0, 0.0), 4.6, 1.8, "t"
        )


def test_detection_x_y_are_the_first_two_measurement_components():
    det = Detection(
        0.0,
        "s",
        MeasurementKind.POSITION_RADIAL_SPEED,
        np.array([3.0, -4.0, 7.0]),
        np.eye(3),
        (0.0, 0.0),
        4.6,
        1.8,
        "t",
    )
    assert (det.x_m, det.y_m) == (3.0, -4.0)
    assert isinstance(det.x_m, float) and isinstance(det.y_m, float)


def test_position_velocity_detection_fields_and_defaults():
    det = Detection.position_velocity(2.5, "front", 1.0, 2.0, 3.0, 4.0, pos_std_m=0.5, vel_std_mps=0.2)
    assert det.kind is MeasurementKind.POSITION_VELOCITY
    assert (det.stamp_s, det.sensor_id, det.truth_id) == (2.5, "front", "")
    assert det.z.tolist() == [1.0, 2.0, 3.0, 4.0]
    # variances 0.5^2 = 0.25 (position), 0.2^2 = 0.04 (velocity), uncorrelated
    assert det.r == pytest.approx(np.diag([0.25, 0.25, 0.04, 0.04]))
    assert det.sensor_xy_m == (0.0, 0.0)
    assert (det.length_m, det.width_m) == (4.6, 1.8)


@pytest.mark.parametrize(("std", "var"), [(0.0, 0.0025), (0.04, 0.0025), (0.05, 0.0025), (0.06, 0.0036)])
def test_position_velocity_standard_deviations_are_floored_at_5_cm(std, var):
    det = Detection.position_velocity(0.0, "s", 0.0, 0.0, 0.0, 0.0, pos_std_m=std, vel_std_mps=std)
    assert np.diag(det.r) == pytest.approx([var] * 4)


# -- mounting -----------------------------------------------------------------------------------------------


def test_roadside_sensor_pose_is_its_spec_pose():
    sensor = _sensor(_spec(x_m=5.0, y_m=-5.0, yaw_rad=math.pi / 2))
    assert sensor.mounted_pose(None) == SensorPose(5.0, -5.0, math.pi / 2)


def test_onboard_sensor_pose_rotates_with_the_carrier():
    # carrier at (100, 50) heading north: vehicle x (forward) is map +y, vehicle y (left) is map -x
    sensor = _sensor(_spec(x_m=2.0, y_m=1.0, yaw_rad=0.3))
    pose = sensor.mounted_pose(_car("ego", 100.0, 50.0, math.pi / 2))
    assert (pose.x_m, pose.y_m) == pytest.approx((100.0 - 1.0, 50.0 + 2.0))
    assert pose.yaw_rad == pytest.approx(math.pi / 2 + 0.3)
    # heading east: no rotation, offsets add
    pose = sensor.mounted_pose(_car("ego", 100.0, 50.0, 0.0))
    assert (pose.x_m, pose.y_m, pose.yaw_rad) == pytest.approx((102.0, 51.0, 0.3))


def test_onboard_sensor_yaw_is_wrapped():
    # 3.0 + 0.5 = 3.5 rad -> 3.5 - 2 pi; -3.0 - 0.5 = -3.5 rad -> -3.5 + 2 pi
    assert _sensor(_spec(yaw_rad=0.5)).mounted_pose(_car("e", 0, 0, 3.0)).yaw_rad == pytest.approx(3.5 - 2 * math.pi)
    assert _sensor(_spec(yaw_rad=-0.5)).mounted_pose(_car("e", 0, 0, -3.0)).yaw_rad == pytest.approx(-3.5 + 2 * math.pi)


@settings(max_examples=150, deadline=None)
@given(yaw=st.floats(-10.0, 10.0), sx=st.floats(-5.0, 5.0), sy=st.floats(-3.0, 3.0), syaw=st.floats(-4.0, 4.0))
def test_mounting_offset_length_is_kept_for_any_carrier_heading(yaw, sx, sy, syaw):
    pose = _sensor(_spec(x_m=sx, y_m=sy, yaw_rad=syaw)).mounted_pose(_car("e", 10.0, -20.0, yaw))
    assert math.hypot(pose.x_m - 10.0, pose.y_m + 20.0) == pytest.approx(math.hypot(sx, sy), abs=1e-9)
    assert -math.pi <= pose.yaw_rad < math.pi
    # the sensor's heading relative to the carrier's is its mounting yaw (mod 2 pi)
    rel = pose.yaw_rad - yaw - syaw
    assert math.cos(rel) == pytest.approx(1.0, abs=1e-9)


# -- range and field of view --------------------------------------------------------------------------------


def test_range_is_inclusive_at_the_nearest_reference_point():
    # car 4 m x 2 m centred at (32, 41): its rear-right corner (30, 40) is exactly 50 m away, the rest farther
    car = _car("t", 32.0, 41.0, length=4.0, width=2.0)
    wide = dict(fov_rad=2 * math.pi)
    assert _sensor(_spec(range_m=50.0, **wide)).is_visible(ORIGIN, car, [])
    assert not _sensor(_spec(range_m=49.999, **wide)).is_visible(ORIGIN, car, [])
    # the centre is sqrt(32^2 + 41^2) = 52.01 m away; a corner alone is enough
    assert _sensor(_spec(range_m=52.0, **wide)).is_visible(ORIGIN, car, [])


@pytest.mark.parametrize("range_m", [20.0, 60.0, 150.0])
def test_point_target_just_inside_and_just_outside_range(range_m):
    sensor = _sensor(_spec(range_m=range_m))
    assert sensor.is_visible(ORIGIN, _point("t", range_m, 0.0), [])
    assert sensor.is_visible(ORIGIN, _point("t", range_m - 0.01, 0.0), [])
    assert not sensor.is_visible(ORIGIN, _point("t", range_m + 0.01, 0.0), [])


def test_field_of_view_edges_are_inclusive_on_both_sides():
    # 90 deg field of view: edges at +-45 deg, i.e. on the lines y = x and y = -x
    sensor = _sensor(_spec(fov_rad=math.radians(90)))
    assert sensor.is_visible(ORIGIN, _point("t", 10.0, 10.0), [])
    assert sensor.is_visible(ORIGIN, _point("t", 10.0, -10.0), [])
    assert not sensor.is_visible(ORIGIN, _point("t", 10.0, 10.01), [])
    assert not sensor.is_visible(ORIGIN, _point("t", 10.0, -10.01), [])
    assert sensor.is_visible(ORIGIN, _point("t", 10.0, 9.99), [])
    assert sensor.is_visible(ORIGIN, _point("t", 10.0, -9.99), [])


@pytest.mark.parametrize("fov_deg", [30.0, 120.0, 200.0])
def test_field_of_view_half_angle_on_either_side_of_the_heading(fov_deg):
    # sensor heading north-west (135 deg); targets 20 m away at +-(half fov -+ 0.5 deg) from the heading
    heading = math.radians(135.0)
    sensor = _sensor(_spec(fov_rad=math.radians(fov_deg)))
    pose = SensorPose(3.0, -2.0, heading)
    half = fov_deg / 2.0
    for side in (1.0, -1.0):
        for delta, seen in ((-0.5, True), (0.5, False)):
            bearing = heading + side * math.radians(half + delta)
            target = _point("t", 3.0 + 20.0 * math.cos(bearing), -2.0 + 20.0 * math.sin(bearing))
            assert sensor.is_visible(pose, target, []) is seen, (side, delta)


def test_bearing_wraps_across_plus_minus_pi():
    # heading west (pi): a target at bearing -179 deg in the map is 1 deg off the heading
    sensor = _sensor(_spec(fov_rad=math.radians(10)))
    pose = SensorPose(0.0, 0.0, math.pi)
    angle = math.radians(-179.0)
    assert sensor.is_visible(pose, _point("t", 30 * math.cos(angle), 30 * math.sin(angle)), [])
    assert not sensor.is_visible(pose, _point("t", 30.0, 0.0), [])  # straight behind


def test_target_behind_the_sensor_is_not_seen_even_in_range():
    sensor = _sensor(_spec(fov_rad=math.radians(120)))
    assert not sensor.is_visible(ORIGIN, _car("t", -20.0, 0.0), [])


def test_one_corner_in_the_field_of_view_is_enough():
    # 90 deg fov (edges at +-45 deg). A 4 m x 2 m car centred at (12, 12.5) (46.2 deg, outside) has its
    # front-right corner (14, 11.5) at 39.4 deg, inside. Centred at (10, 14), its nearest corner to the axis,
    # (12, 13), is at 47.3 deg: every point outside.
    sensor = _sensor(_spec(fov_rad=math.radians(90)))
    assert sensor.is_visible(ORIGIN, _car("t", 12.0, 12.5, length=4.0, width=2.0), [])
    assert not sensor.is_visible(ORIGIN, _car("t", 10.0, 14.0, length=4.0, width=2.0), [])


# -- occlusion by buildings ---------------------------------------------------------------------------------


@pytest.mark.parametrize("z_m", ALL_HEIGHTS)
def test_buildings_block_at_every_mounting_height(z_m):
    sensor = _sensor(_spec(z_m=z_m), [BLOCK])
    # behind the block: every reference point of the car is within +-1.4 deg of the x axis
    assert not sensor.is_visible(ORIGIN, _car("t", 40.0, 0.0), [])
    # beside it: the line to (40, 25) passes x = 10 at y = 6.25 > 5
    assert sensor.is_visible(ORIGIN, _car("t", 40.0, 25.0), [])
    # in front of it
    assert sensor.is_visible(ORIGIN, _car("t", 6.0, 0.0), [])


@pytest.mark.parametrize("z_m", ALL_HEIGHTS)
def test_a_line_of_sight_touching_a_building_corner_is_blocked(z_m):
    sensor = _sensor(_spec(z_m=z_m), [BLOCK])
    # the line from the origin to (20, 10) passes exactly through the corner (10, 5)
    assert not sensor.is_visible(ORIGIN, _point("t", 20.0, 10.0), [])
    assert sensor.is_visible(ORIGIN, _point("t", 20.0, 10.02), [])
    assert not sensor.is_visible(ORIGIN, _point("t", 20.0, 9.98), [])


def test_every_building_occludes_not_only_the_first():
    sensor = _sensor(_spec(fov_rad=2 * math.pi), [FAR_BLOCK, BLOCK])
    assert not sensor.is_visible(ORIGIN, _car("t", 40.0, 0.0), [])  # behind the second block
    assert not sensor.is_visible(ORIGIN, _car("t", 0.0, 95.0, math.pi / 2), [])  # behind the first
    assert sensor.is_visible(ORIGIN, _car("t", -40.0, 0.0), [])


def test_partly_hidden_car_is_seen_by_its_uncovered_corner():
    # car centred at (30, 5.5), 4.6 x 1.8: the lines to its five points cross the block's face x = 10 at
    # y = 1.66 ... 2.31 (< 5): all hidden
    sensor = _sensor(_spec(), [BLOCK])
    assert not sensor.is_visible(ORIGIN, _car("t", 30.0, 5.5), [])
    # centred at (30, 14): the line to the rear-left corner (27.7, 14.9) crosses x = 10 at y = 5.38 > 5: clear
    assert sensor.is_visible(ORIGIN, _car("t", 30.0, 14.0), [])


def test_onboard_sensor_is_blocked_by_buildings_from_its_mounted_pose():
    # carrier facing east at (-10, 0) with the sensor 2.3 m ahead of its centre: the block hides (40, 0)
    sensor = _sensor(_spec(x_m=2.3, fov_rad=math.radians(120)), [BLOCK])
    states = {"ego": _car("ego", -10.0, 0.0), "t": _car("t", 40.0, 0.0)}
    assert sensor.sense(0.0, "ego", states) == []
    # the same carrier on the far side of the block, turned around, sees it
    states = {"ego": _car("ego", 60.0, 0.0, math.pi), "t": _car("t", 40.0, 0.0)}
    assert [d.truth_id for d in sensor.sense(0.0, "ego", states)] == ["t"]


# -- occlusion by other vehicles ----------------------------------------------------------------------------


BLOCKER_CAR = _car("car", 20.0, 0.0)
BLOCKER_TRUCK = _car("truck", 20.0, 0.0, length=12.0, width=2.5)


@pytest.mark.parametrize("blocker", [BLOCKER_CAR, BLOCKER_TRUCK], ids=["car", "truck"])
@pytest.mark.parametrize(("z_m", "hidden"), [(LOW_M, True), (ROOF_M, True), (ROOF_RACK_M, False), (POLE_M, False)])
def test_vehicles_occlude_sensors_up_to_roof_height(blocker, z_m, hidden):
    sensor = _sensor(_spec(z_m=z_m))
    target = _car("t", 40.0, 0.0)
    assert sensor.is_visible(ORIGIN, target, [blocker, target]) is not hidden


def test_roof_height_threshold_is_exclusive():
    target, blocker = _car("t", 40.0, 0.0), BLOCKER_CAR
    assert not _sensor(_spec(z_m=VEHICLE_HEIGHT_M)).is_visible(ORIGIN, target, [blocker])
    assert _sensor(_spec(z_m=VEHICLE_HEIGHT_M + 1e-9)).is_visible(ORIGIN, target, [blocker])


@pytest.mark.parametrize("z_m", ALL_HEIGHTS)
def test_a_pole_sees_over_vehicles_but_not_through_buildings(z_m):
    sensor = _sensor(_spec(z_m=z_m), [BLOCK])
    target = _car("t", 40.0, 25.0)  # clear of the block
    blocker = _car("b", 20.0, 12.5, math.atan2(25.0, 40.0), width=3.0)  # on the line of sight, halfway
    assert sensor.is_visible(ORIGIN, target, [blocker]) is (z_m > VEHICLE_HEIGHT_M)
    assert not sensor.is_visible(ORIGIN, _car("t", 40.0, 0.0), [])


def test_the_target_does_not_occlude_itself_and_vehicles_off_the_line_do_not_occlude():
    sensor = _sensor(_spec())
    target = _car("t", 40.0, 0.0)
    assert sensor.is_visible(ORIGIN, target, [target])
    assert sensor.is_visible(ORIGIN, target, [target, _car("side", 20.0, 10.0)])


def test_vehicle_partly_covering_the_target_leaves_it_visible():
    # blocker covers y in [-0.9, 0.9] at x = 20; the target's left corners at y = 3.9 stay clear
    sensor = _sensor(_spec())
    target = _car("t", 40.0, 3.0)
    assert sensor.is_visible(ORIGIN, target, [BLOCKER_CAR, target])
    # a target whose every line of sight crosses the blocker is hidden
    assert not sensor.is_visible(ORIGIN, _car("t", 40.0, 0.5), [BLOCKER_CAR])


def test_a_small_target_inside_a_larger_footprint_is_hidden_from_a_low_sensor():
    # a 1 m x 1 m object at (17, 0) lies inside the truck's footprint x in [14, 26]: every line of sight
    # enters the truck through its rear edge
    target = _car("p", 17.0, 0.0, length=1.0, width=1.0)
    assert not _sensor(_spec(z_m=LOW_M)).is_visible(ORIGIN, target, [BLOCKER_TRUCK])
    assert _sensor(_spec(z_m=POLE_M)).is_visible(ORIGIN, target, [BLOCKER_TRUCK])


def test_the_carrier_does_not_occlude_its_own_front_sensor():
    # sensor exactly on the carrier's front bumper (2.3 m ahead of the centre of a 4.6 m car)
    sensor = _sensor(_spec(x_m=2.3, z_m=LOW_M))
    states = {"ego": _car("ego", 0.0, 0.0), "t": _car("t", 30.0, 0.0)}
    assert [d.truth_id for d in sensor.sense(0.0, "ego", states)] == ["t"]


def test_sense_uses_other_vehicles_as_occluders_for_a_low_onboard_sensor():
    sensor = _sensor(_spec(x_m=2.3, z_m=LOW_M))
    states = {"ego": _car("ego", 0.0, 0.0), "b": _car("b", 20.0, 0.0), "t": _car("t", 40.0, 0.0)}
    assert [d.truth_id for d in sensor.sense(0.0, "ego", states)] == ["b"]
    high = _sensor(_spec(x_m=2.3, z_m=POLE_M))
    assert [d.truth_id for d in high.sense(0.0, "ego", states)] == ["b", "t"]


# -- sense: carrier, order, randomness ----------------------------------------------------------------------


def test_missing_carrier_gives_no_detections():
    sensor = _sensor(_spec(fov_rad=2 * math.pi))
    assert sensor.sense(0.0, "ego", {"t": _car("t", 10.0, 0.0)}) == []


def test_roadside_sensor_detects_every_visible_actor_sorted_by_id_with_its_stamp():
    sensor = _sensor(_spec(sensor_id="pole", x_m=5.0, y_m=0.0, fov_rad=2 * math.pi, range_m=50.0))
    states = {
        "c": _car("c", 30.0, 0.0),
        "a": _car("a", -20.0, 0.0),
        "b": _car("b", 5.0, 30.0),
        "far": _car("far", 5.0, 80.0),
    }
    dets = sensor.sense(12.5, None, states)
    assert [d.truth_id for d in dets] == ["a", "b", "c"]
    assert {d.sensor_id for d in dets} == {"pole"} and {d.stamp_s for d in dets} == {12.5}


def test_the_carrier_is_never_detected():
    sensor = _sensor(_spec(x_m=-10.0, fov_rad=2 * math.pi))  # sensor behind the carrier, facing it
    states = {"ego": _car("ego", 0.0, 0.0), "t": _car("t", -30.0, 0.0)}
    assert [d.truth_id for d in sensor.sense(0.0, "ego", states)] == ["t"]


def test_generic_noise_adds_scaled_draws_to_position_and_velocity():
    # 4 normal draws per detected target: x, y, vx, vy; then one uniform draw for the detection
    rng = ScriptedRng(normals=[1.0, -2.0, 0.5, 3.0], uniforms=[0.0])
    sensor = _sensor(_spec(pos_noise_m=0.5, vel_noise_mps=0.2, fov_rad=math.radians(90)), rng=rng)
    (det,) = sensor.sense(1.25, None, {"t": _car("t", 30.0, 4.0, 0.0, speed=10.0, length=5.0, width=2.0)})
    # x = 30 + 0.5 * 1, y = 4 + 0.5 * -2, vx = 10 + 0.2 * 0.5, vy = 0 + 0.2 * 3
    assert det.z == pytest.approx([30.5, 3.0, 10.1, 0.6])
    assert det.r == pytest.approx(np.diag([0.25, 0.25, 0.04, 0.04]))
    assert det.kind is MeasurementKind.POSITION_VELOCITY
    assert (det.stamp_s, det.truth_id, det.length_m, det.width_m) == (1.25, "t", 5.0, 2.0)


def test_each_target_gets_its_own_draws_in_id_order_and_misses_consume_them_too():
    # targets b, a, c (dict order) are drawn for in id order a, b, c; b misses (0.9 > 0.8), a and c are detected
    rng = ScriptedRng(normals=[1.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0], uniforms=[0.1, 0.9, 0.8])
    sensor = _sensor(_spec(z_m=POLE_M, pos_noise_m=1.0, fov_rad=2 * math.pi, detection_probability=0.8), rng=rng)
    states = {"b": _car("b", 20.0, 0.0), "a": _car("a", 10.0, 0.0), "c": _car("c", 30.0, 0.0)}
    dets = sensor.sense(0.0, None, states)
    # a: 10 + 1, c: 30 + 3 (b used the draw 2 and was missed); a uniform equal to the probability detects
    assert [(d.truth_id, d.x_m) for d in dets] == [("a", 11.0), ("c", 33.0)]
    assert rng.normals == [] and rng.uniforms == []


def test_invisible_targets_use_no_random_draws():
    rng = ScriptedRng(normals=[0.0] * 4, uniforms=[0.5])
    sensor = _sensor(_spec(range_m=50.0), rng=rng)
    states = {"far": _car("far", 80.0, 0.0), "near": _car("near", 20.0, 0.0), "back": _car("back", -20.0, 0.0)}
    assert [d.truth_id for d in sensor.sense(0.0, None, states)] == ["near"]


@pytest.mark.parametrize(
    ("probability", "uniform", "detected"),
    [
        (0.7, 0.69, True),
        (0.7, 0.7, True),
        (0.7, 0.71, False),
        (0.0, 0.01, False),
        (1.0, 0.999, True),
    ],
)
def test_detection_probability_threshold(probability, uniform, detected):
    rng = ScriptedRng(normals=[0.0] * 4, uniforms=[uniform])
    sensor = _sensor(_spec(detection_probability=probability), rng=rng)
    assert len(sensor.sense(0.0, None, {"t": _car("t", 20.0, 0.0)})) == int(detected)


@pytest.mark.parametrize(("probability", "seed", "n"), [(0.0, 1, 200), (0.3, 2, 1500), (1.0, 3, 200)])
def test_detection_rate_matches_the_probability(probability, seed, n):
    sensor = _sensor(_spec(detection_probability=probability), rng=np.random.default_rng(seed))
    hits = sum(len(sensor.sense(0.0, None, {"t": _car("t", 20.0, 0.0)})) for _ in range(n))
    assert abs(hits / n - probability) <= 4 * math.sqrt(probability * (1 - probability) / n)


def test_same_seed_same_detections():
    states = {"a": _car("a", 20.0, 2.0, 0.3, 5.0), "b": _car("b", 40.0, -6.0, 1.0, 8.0)}
    spec = _spec(pos_noise_m=0.4, vel_noise_mps=0.3, detection_probability=0.6)
    runs = []
    for _ in range(2):
        sensor = _sensor(spec, rng=np.random.default_rng(42))
        runs.append([(d.truth_id, d.z.tolist()) for t in range(20) for d in sensor.sense(0.05 * t, None, states)])
    assert runs[0] == runs[1] and len(runs[0]) > 0


# -- camera and radar measurement models --------------------------------------------------------------------

# target 50 m from a pole at (10, -5): relative position (30, 40), bearing with cos 0.6, sin 0.8
POLE = dict(x_m=10.0, y_m=-5.0, fov_rad=2 * math.pi)
TARGET_XY = (40.0, 35.0)


def test_camera_range_noise_is_relative_and_position_is_polar_from_the_sensor():
    rng = ScriptedRng(normals=[1.0, 0.0, 0.0, 0.0], uniforms=[0.0])
    spec = _spec(
        model=SensorModel.CAMERA,
        range_noise_rel=0.02,
        range_noise_m=5.0,
        bearing_noise_rad=0.01,
        pos_noise_m=9.0,
        **POLE,
    )
    (det,) = _sensor(spec, rng=rng).sense(3.0, None, {"t": _car("t", *TARGET_XY, length=4.0, width=2.0)})
    assert det.kind is MeasurementKind.POSITION
    # range sigma 2 % of 50 m = 1 m; one sigma long: 51 m along (0.6, 0.8) from (10, -5)
    assert det.z == pytest.approx([10.0 + 30.6, -5.0 + 40.8])
    # R = sr^2 [c^2 cs; cs s^2] + sb^2 r^2 [s^2 -cs; -cs c^2], r = 51: 0.01^2 * 51^2 = 0.2601
    assert det.r == pytest.approx(
        np.array([[0.36 + 0.2601 * 0.64, 0.48 - 0.2601 * 0.48], [0.48 - 0.2601 * 0.48, 0.64 + 0.2601 * 0.36]])
    )
    assert det.sensor_xy_m == (10.0, -5.0)
    assert (det.stamp_s, det.sensor_id, det.truth_id, det.length_m, det.width_m) == (3.0, "s", "t", 4.0, 2.0)


def test_camera_bearing_noise_turns_the_position_about_the_sensor():
    rng = ScriptedRng(normals=[0.0, 2.0, 0.0, 0.0], uniforms=[0.0])
    spec = _spec(model=SensorModel.CAMERA, range_noise_rel=0.02, bearing_noise_rad=0.01, **POLE)
    (det,) = _sensor(spec, rng=rng).sense(0.0, None, {"t": _car("t", *TARGET_XY)})
    # bearing + 2 * 0.01 rad: cos(b + d) = 0.6 cos d - 0.8 sin d, sin(b + d) = 0.8 cos d + 0.6 sin d
    d = 0.02
    expected = [
        10.0 + 50.0 * (0.6 * math.cos(d) - 0.8 * math.sin(d)),
        -5.0 + 50.0 * (0.8 * math.cos(d) + 0.6 * math.sin(d)),
    ]
    assert det.z == pytest.approx(expected)


def test_camera_standard_deviations_are_floored():
    rng = ScriptedRng(normals=[0.0] * 4, uniforms=[0.0])
    spec = _spec(model=SensorModel.CAMERA, range_noise_rel=0.0, bearing_noise_rad=0.0, **POLE)
    (det,) = _sensor(spec, rng=rng).sense(0.0, None, {"t": _car("t", *TARGET_XY)})
    assert det.z == pytest.approx(TARGET_XY)
    # range sigma floor 0.05 m, bearing sigma floor 1e-4 rad at 50 m:
    # R00 = 0.0025 * 0.36 + 1e-8 * 2500 * 0.64 = 0.0009 + 0.000016, R11 = 0.0025 * 0.64 + 1e-8 * 2500 * 0.36
    assert det.r[0, 0] == pytest.approx(0.000916, rel=1e-9)
    assert det.r[1, 1] == pytest.approx(0.0016 + 0.000009, rel=1e-9)
    # a relative sigma under the floor is raised too: 0.1 % of 50 m = 0.05 m exactly, 0.09 % -> 0.05
    spec = _spec(model=SensorModel.CAMERA, range_noise_rel=0.0009, bearing_noise_rad=0.0, **POLE)
    rng = ScriptedRng(normals=[1.0, 0.0, 0.0, 0.0], uniforms=[0.0])
    (det,) = _sensor(spec, rng=rng).sense(0.0, None, {"t": _car("t", *TARGET_XY)})
    assert det.z == pytest.approx([10.0 + 50.05 * 0.6, -5.0 + 50.05 * 0.8])


def test_radar_measures_absolute_range_noise_and_radial_speed():
    rng = ScriptedRng(normals=[0.0, 0.0, 2.0, 0.0], uniforms=[0.0])
    spec = _spec(
        model=SensorModel.RADAR,
        range_noise_m=0.3,
        range_noise_rel=0.5,
        bearing_noise_rad=0.02,
        radial_speed_noise_mps=0.1,
        **POLE,
    )
    # the target drives straight at the sensor at 10 m/s: radial speed -10, plus 0.1 * 2
    approaching = _car("t", *TARGET_XY, yaw=math.atan2(-40.0, -30.0), speed=10.0, length=4.0, width=2.0)
    (det,) = _sensor(spec, rng=rng).sense(7.5, None, {"t": approaching})
    assert det.kind is MeasurementKind.POSITION_RADIAL_SPEED
    assert det.z == pytest.approx([40.0, 35.0, -9.8])
    # R_pos = 0.09 [c^2 cs; cs s^2] + 0.0004 * 2500 [s^2 -cs; -cs c^2]
    r = np.zeros((3, 3))
    r[:2, :2] = [[0.0324 + 0.64, 0.0432 - 0.48], [0.0432 - 0.48, 0.0576 + 0.36]]
    r[2, 2] = 0.01
    assert det.r == pytest.approx(r)
    assert det.sensor_xy_m == (10.0, -5.0)
    assert (det.stamp_s, det.sensor_id, det.truth_id, det.length_m, det.width_m) == (7.5, "s", "t", 4.0, 2.0)


def test_radar_range_noise_moves_the_position_along_the_line_of_sight():
    rng = ScriptedRng(normals=[-2.0, 0.0, 0.0, 0.0], uniforms=[0.0])
    spec = _spec(model=SensorModel.RADAR, range_noise_m=0.3, bearing_noise_rad=0.02, **POLE)
    (det,) = _sensor(spec, rng=rng).sense(0.0, None, {"t": _car("t", *TARGET_XY)})
    # 50 - 2 * 0.3 = 49.4 m along (0.6, 0.8)
    assert det.z[:2] == pytest.approx([10.0 + 49.4 * 0.6, -5.0 + 49.4 * 0.8])


def test_radar_crossing_and_receding_radial_speeds():
    spec = _spec(model=SensorModel.RADAR, range_noise_m=0.3, bearing_noise_rad=0.02, radial_speed_noise_mps=0.1, **POLE)
    cases = [(math.atan2(40.0, 30.0), 10.0), (math.atan2(-30.0, 40.0), 0.0), (0.0, 10.0 * 0.6)]
    for yaw, radial in cases:
        rng = ScriptedRng(normals=[0.0] * 4, uniforms=[0.0])
        (det,) = _sensor(spec, rng=rng).sense(0.0, None, {"t": _car("t", *TARGET_XY, yaw=yaw, speed=10.0)})
        assert det.z[2] == pytest.approx(radial, abs=1e-9), yaw


def test_radar_standard_deviations_are_floored():
    rng = ScriptedRng(normals=[0.0, 0.0, 1.0, 0.0], uniforms=[0.0])
    spec = _spec(model=SensorModel.RADAR, **POLE)
    (det,) = _sensor(spec, rng=rng).sense(0.0, None, {"t": _car("t", *TARGET_XY)})
    # radial sigma floor 0.05 m/s: 0 + 0.05 * 1; range floor 0.05 m, bearing floor 1e-4 rad
    assert det.z[2] == pytest.approx(0.05)
    assert det.r[2, 2] == pytest.approx(0.0025)
    assert det.r[0, 0] == pytest.approx(0.0025 * 0.36 + 1e-8 * 2500 * 0.64, rel=1e-9)


def test_radar_radial_speed_of_a_close_target_is_unscaled():
    # 1 m ahead, driving away at 3 m/s: radial speed 3
    rng = ScriptedRng(normals=[0.0] * 4, uniforms=[0.0])
    spec = _spec(model=SensorModel.RADAR, radial_speed_noise_mps=0.1)
    (det,) = _sensor(spec, rng=rng).sense(0.0, None, {"t": ActorState("t", 1.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0)})
    assert det.z[2] == pytest.approx(3.0)
    # a target on top of the sensor has no line of sight direction: radial speed is the noise alone, finite
    rng = ScriptedRng(normals=[0.0, 0.0, 1.0, 0.0], uniforms=[0.0])
    (det,) = _sensor(spec, rng=rng).sense(0.0, None, {"t": ActorState("t", 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0)})
    assert det.z[2] == pytest.approx(0.1)


def test_generic_noise_statistics_with_a_fixed_seed():
    sensor = _sensor(_spec(pos_noise_m=0.3, vel_noise_mps=0.4), rng=np.random.default_rng(11))
    dets = [sensor.sense(0.0, None, {"c": _car("c", 25.0, -3.0, math.pi / 2, 6.0)})[0] for _ in range(2000)]
    z = np.array([d.z for d in dets])
    # standard errors: 0.4 / sqrt(2000) = 0.009 for a mean, 1 / sqrt(2 * 2000) = 1.6 % for a spread
    assert z.mean(axis=0) == pytest.approx([25.0, -3.0, 0.0, 6.0], abs=0.04)
    assert z.std(axis=0) == pytest.approx([0.3, 0.3, 0.4, 0.4], rel=0.08)
    # independent components
    assert abs(np.corrcoef(z[:, 0], z[:, 1])[0, 1]) < 0.08


# -- properties ---------------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    x=st.floats(-90.0, 90.0),
    y=st.floats(-90.0, 90.0),
    yaw=st.floats(-math.pi, math.pi),
    r1=st.floats(1.0, 150.0),
    r2=st.floats(1.0, 150.0),
)
def test_visibility_grows_with_range_without_occluders(x, y, yaw, r1, r2):
    target = _car("t", x, y, yaw)
    small, large = min(r1, r2), max(r1, r2)
    if _sensor(_spec(range_m=small)).is_visible(ORIGIN, target, []):
        assert _sensor(_spec(range_m=large)).is_visible(ORIGIN, target, [])


@settings(max_examples=100, deadline=None)
@given(
    x=st.floats(5.0, 60.0),
    y=st.floats(-40.0, 40.0),
    bx=st.floats(2.0, 60.0),
    by=st.floats(-40.0, 40.0),
    byaw=st.floats(-math.pi, math.pi),
)
def test_a_high_sensor_sees_everything_a_low_one_sees(x, y, bx, by, byaw):
    target, blocker = _car("t", x, y), _car("b", bx, by, byaw)
    low = _sensor(_spec(z_m=LOW_M, fov_rad=2 * math.pi)).is_visible(ORIGIN, target, [blocker])
    high = _sensor(_spec(z_m=POLE_M, fov_rad=2 * math.pi)).is_visible(ORIGIN, target, [blocker])
    assert high or not low
    assert high  # nothing but a vehicle in the way, and the pole sees over it


@settings(max_examples=100, deadline=None)
@given(x=st.floats(-60.0, 60.0), y=st.floats(-60.0, 60.0), yaw=st.floats(-math.pi, math.pi), speed=st.floats(0.0, 30.0))
def test_noise_free_generic_measurement_is_the_truth(x, y, yaw, speed):
    rng = np.random.default_rng(0)
    target = _car("t", x, y, yaw, speed)
    dets = _sensor(_spec(fov_rad=2 * math.pi), rng=rng).sense(0.0, None, {"t": target})
    assert len(dets) == 1
    assert dets[0].z == pytest.approx([x, y, target.vx_mps, target.vy_mps])
