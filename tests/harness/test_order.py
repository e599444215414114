"""The step's order: which periodic tasks a run has, their phases and periods, and the downlink tie rule."""

from pathlib import Path

import pytest

from coop_drive.harness.order import DOWNLINK, DownlinkOrder, Phase, Task, periodic_tasks
from coop_drive.scenario import Split, load_scenario
from coop_drive.scenario.model import MapSource
from coop_drive.v2x.frame import MessageType

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
OCCLUDED = load_scenario(SCENARIOS / "occluded_intersection.yaml")


def _kinds(scenario, spat=False):
    return [t.task for t in periodic_tasks(scenario, spat=spat)]


def test_onboard_runs_only_the_car_and_the_world():
    sc = OCCLUDED.with_overrides(split=Split.ONBOARD)
    kinds = _kinds(sc, spat=True)  # no MEC: a SPaT service is not the car's
    assert kinds == [Task.VEHICLE_SCAN] * len(sc.onboard_sensors) + [Task.WORLD_STEP, Task.VEHICLE_PLAN]


@pytest.mark.parametrize(("split", "map_source", "spat", "publications"), [
    (Split.EDGE, MapSource.ONBOARD, False, [Task.RSM]),
    (Split.EDGE_PLANNING, MapSource.ONBOARD, False, [Task.RSM, Task.SPEED_PLAN]),
    (Split.CLOUD_PLANNING, MapSource.ONBOARD, True, [Task.RSM, Task.SPEED_PLAN, Task.SPAT]),
    (Split.EDGE, MapSource.MEC, True, [Task.RSM, Task.SPAT, Task.MAP]),
])
def test_v2x_splits_register_in_the_order_that_breaks_ties(split, map_source, spat, publications):
    sc = OCCLUDED.with_overrides(split=split, map_source=map_source)
    onboard, roadside = len(sc.onboard_sensors), len(sc.roadside_sensors)
    assert roadside > 0
    assert _kinds(sc, spat) == ([Task.VEHICLE_SCAN] * onboard + [Task.BSM] + [Task.ROADSIDE_SCAN] * roadside
                                + publications + [Task.WORLD_STEP, Task.VEHICLE_PLAN])


def test_phases_periods_and_offsets():
    sc = OCCLUDED.with_overrides(split=Split.EDGE_PLANNING)
    tasks = {t.task: t for t in periodic_tasks(sc, spat=False)}
    assert [t.phase for t in (Task.WORLD_STEP, Task.VEHICLE_SCAN, Task.BSM, Task.VEHICLE_PLAN)] == [
        Phase.WORLD, Phase.SENSE, Phase.PUBLISH, Phase.PLAN]
    assert Phase.PUBLISH < Phase.DELIVER < Phase.PLAN
    step_ns = round(sc.step_s * 1e9)
    assert tasks[Task.WORLD_STEP].first_offset_ns == step_ns  # the world at the start is observed, not stepped
    assert tasks[Task.VEHICLE_PLAN].first_offset_ns == 0 and tasks[Task.VEHICLE_PLAN].period_ns == step_ns
    assert tasks[Task.BSM].period_ns == 100_000_000 and tasks[Task.SPEED_PLAN].period_ns == 100_000_000
    assert tasks[Task.RSM].period_ns == round(1e9 / sc.mec_publish_rate_hz)
    scans = [t for t in periodic_tasks(sc, spat=False) if t.task is Task.VEHICLE_SCAN]
    assert [t.sensor_id for t in scans] == [s.sensor_id for s in sc.onboard_sensors]
    assert [t.period_ns for t in scans] == [round(1e9 / s.rate_hz) for s in sc.onboard_sensors]


def test_downlink_tasks_name_their_messages():
    assert [t.message_type for t in DOWNLINK] == [MessageType.RSM, MessageType.SPEED_PLAN, MessageType.SPAT,
                                                  MessageType.MAP]
    assert Task.BSM.message_type is MessageType.BSM and Task.WORLD_STEP.message_type is None


def test_downlink_order_puts_the_longest_waiting_publication_first_then_the_rank():
    sc = OCCLUDED.with_overrides(split=Split.EDGE_PLANNING)
    order = DownlinkOrder(sc, start_ns=0)
    map_period = round(1e9 / sc.mec_map_rate_hz)
    t = 2 * map_period  # every publication fires
    keys = {kind: order.key(t, int(kind)) for kind in (MessageType.RSM, MessageType.SPEED_PLAN, MessageType.SPAT,
                                                       MessageType.MAP)}
    assert keys[MessageType.MAP][1] == t - map_period  # previous firing
    assert keys[MessageType.SPEED_PLAN] == (t, t - 100_000_000, 1)
    assert sorted(keys, key=keys.__getitem__)[0] is (MessageType.MAP if map_period > 100_000_000 else
                                                     MessageType.RSM)
    assert order.key(0, int(MessageType.SPAT)) == (0, -1, 2)  # first firings: by rank alone
    assert order.key(5, 99) == (5, -1, 4)  # an unknown kind goes last
