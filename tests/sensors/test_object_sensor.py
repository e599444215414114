import math

import numpy as np
import pytest

from coop_drive.perception.measurement import MeasurementKind
from coop_drive.scenario.model import SensorModel, SensorSpec
from coop_drive.sensors.object_sensor import ObjectSensor
from coop_drive.world.backend import ActorState, Building

BUILDING = Building("b", np.array([[-40.0, -40.0], [-6.5, -40.0], [-6.5, -6.5], [-40.0, -6.5]]))


def _spec(**kw: float) -> SensorSpec:
    base = dict(sensor_id="s", x_m=2.3, y_m=0.0, z_m=0.5, yaw_rad=0.0, range_m=100.0, fov_rad=math.radians(120),
                pos_noise_m=0.0, vel_noise_mps=0.0, detection_probability=1.0, rate_hz=20.0)
    base.update(kw)
    return SensorSpec(**base)  # type: ignore[arg-type]


def _car(aid: str, x: float, y: float, yaw: float, speed: float = 10.0) -> ActorState:
    return ActorState(aid, x, y, yaw, speed, 0.0, 4.6, 1.8)


def test_building_hides_crossing_car_until_the_corner():
    sensor = ObjectSensor(_spec(), [BUILDING], np.random.default_rng(0))
    ego = _car("ego", 1.75, -30.0, math.pi / 2)  # northbound, 30 m before the centre
    hidden = _car("x", -30.0, -1.75, 0.0)  # eastbound, 30 m west
    assert sensor.sense(0.0, "ego", {"ego": ego, "x": hidden}) == []
    near_ego = _car("ego", 1.75, -9.0, math.pi / 2)
    near_x = _car("x", -9.0, -1.75, 0.0)
    (det,) = sensor.sense(0.0, "ego", {"ego": near_ego, "x": near_x})
    assert det.truth_id == "x" and det.x_m == pytest.approx(-9.0)


def test_roadside_pole_sees_the_hidden_car():
    pole = ObjectSensor(_spec(x_m=5.0, y_m=-5.0, z_m=6.0, yaw_rad=math.radians(180), fov_rad=math.radians(200)),
                        [BUILDING], np.random.default_rng(0))
    hidden = _car("x", -60.0, -1.75, 0.0)
    (det,) = pole.sense(0.0, None, {"x": hidden})
    assert det.truth_id == "x"


def test_vehicles_occlude_low_sensors_only():
    blocker = _car("truck", 20.0, 0.0, 0.0)
    target = _car("t", 40.0, 0.0, 0.0)
    low = ObjectSensor(_spec(x_m=0.0, y_m=0.0, z_m=0.5), [], np.random.default_rng(0))
    high = ObjectSensor(_spec(x_m=0.0, y_m=0.0, z_m=6.0), [], np.random.default_rng(0))
    states = {"truck": blocker, "t": target}
    assert [d.truth_id for d in low.sense(0.0, None, states)] == ["truck"]
    assert [d.truth_id for d in high.sense(0.0, None, states)] == ["t", "truck"]


def test_range_fov_and_detection_probability():
    sensor = ObjectSensor(_spec(x_m=0.0, range_m=50.0, fov_rad=math.radians(90)), [], np.random.default_rng(0))
    assert sensor.sense(0.0, None, {"far": _car("far", 60.0, 0.0, 0.0)}) == []
    assert sensor.sense(0.0, None, {"side": _car("side", 0.0, 20.0, 0.0)}) == []
    flaky = ObjectSensor(_spec(x_m=0.0, detection_probability=0.7), [], np.random.default_rng(3))
    hits = sum(len(flaky.sense(0.0, None, {"c": _car("c", 30.0, 0.0, 0.0)})) for _ in range(4000))
    assert abs(hits / 4000 - 0.7) < 4 * math.sqrt(0.7 * 0.3 / 4000)


def test_noise_has_the_configured_spread():
    sensor = ObjectSensor(_spec(x_m=0.0, pos_noise_m=0.5, vel_noise_mps=0.2), [], np.random.default_rng(9))
    dets = [sensor.sense(0.0, None, {"c": _car("c", 30.0, 0.0, 0.0)})[0] for _ in range(4000)]
    xs = np.array([d.x_m for d in dets])
    vx = np.array([d.z[2] for d in dets])
    assert xs.mean() == pytest.approx(30.0, abs=0.05)
    assert xs.std() == pytest.approx(0.5, rel=0.05)
    assert vx.std() == pytest.approx(0.2, rel=0.05)


def test_camera_and_radar_noise_shapes():
    car = _car("c", 60.0, 0.0, math.pi / 2, speed=10.0)  # 60 m ahead, crossing left to right... northbound
    camera = ObjectSensor(_spec(x_m=0.0, model=SensorModel.CAMERA, range_noise_rel=0.05,
                                bearing_noise_rad=math.radians(0.2)), [], np.random.default_rng(1))
    radar = ObjectSensor(_spec(x_m=0.0, model=SensorModel.RADAR, range_noise_m=0.2,
                               bearing_noise_rad=math.radians(1.5), radial_speed_noise_mps=0.1),
                         [], np.random.default_rng(2))
    cam = [camera.sense(0.0, None, {"c": car})[0] for _ in range(3000)]
    rad = [radar.sense(0.0, None, {"c": car})[0] for _ in range(3000)]
    cam_xy = np.array([d.z for d in cam])
    rad_z = np.array([d.z for d in rad])
    # camera: range error 5 % of 60 m = 3 m along x, bearing 0.2 deg = 0.21 m across
    assert cam_xy[:, 0].std() == pytest.approx(3.0, rel=0.06)
    assert cam_xy[:, 1].std() == pytest.approx(60 * math.radians(0.2), rel=0.06)
    assert cam[0].kind is MeasurementKind.POSITION and cam[0].r[0, 0] == pytest.approx(9.0, rel=1e-3)
    # radar: 0.2 m along, 1.5 deg = 1.57 m across, radial speed 0 (moving across the line of sight)
    assert rad_z[:, 0].std() == pytest.approx(0.2, rel=0.06)
    assert rad_z[:, 1].std() == pytest.approx(60 * math.radians(1.5), rel=0.06)
    assert rad_z[:, 2].mean() == pytest.approx(0.0, abs=0.01)
    assert rad_z[:, 2].std() == pytest.approx(0.1, rel=0.06)
