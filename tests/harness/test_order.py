"""The step's order: which periodic tasks a run has, their phases and periods, and the downlink tie rule."""

from pathlib import Path

import pytest

from coop_drive.harness.order import DOWNLINK, Phase, Task, TaskOrder, periodic_tasks
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
    uplink = [Task.TRIP_REGISTRATION, Task.BSM] if split.plans_remotely else [Task.BSM]  # the trip, then the BSM
    assert _kinds(sc, spat) == ([Task.VEHICLE_SCAN] * onboard + uplink + [Task.ROADSIDE_SCAN] * roadside
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
    registration = tasks[Task.TRIP_REGISTRATION]  # at the start, then every second (until a plan arrives)
    assert registration.period_ns == 1_000_000_000 and registration.first_offset_ns == 0
    assert registration.task.phase is Phase.PUBLISH
    assert tasks[Task.RSM].period_ns == round(1e9 / sc.mec_publish_rate_hz)
    scans = [t for t in periodic_tasks(sc, spat=False) if t.task is Task.VEHICLE_SCAN]
    assert [t.sensor_id for t in scans] == [s.sensor_id for s in sc.onboard_sensors]
    assert [t.period_ns for t in scans] == [round(1e9 / s.rate_hz) for s in sc.onboard_sensors]


def test_downlink_tasks_name_their_messages():
    assert [t.message_type for t in DOWNLINK] == [MessageType.RSM, MessageType.SPEED_PLAN, MessageType.SPAT,
                                                  MessageType.MAP]
    assert Task.BSM.message_type is MessageType.BSM and Task.WORLD_STEP.message_type is None
    assert Task.TRIP_REGISTRATION.message_type is MessageType.TRIP_REGISTRATION and (
        Task.TRIP_REGISTRATION not in DOWNLINK)


def test_task_order_puts_the_longest_waiting_publication_first_then_the_rank():
    sc = OCCLUDED.with_overrides(split=Split.EDGE_PLANNING, map_source=MapSource.MEC)
    order = TaskOrder(sc, start_ns=0)
    map_period = round(1e9 / sc.mec_map_rate_hz)
    assert map_period > 100_000_000
    t = 2 * map_period  # every publication fires
    keys = {kind: order.frame_key(t, int(kind)) for kind in (MessageType.RSM, MessageType.SPEED_PLAN,
                                                             MessageType.SPAT, MessageType.MAP)}
    assert keys[MessageType.MAP][2] == t - map_period  # previous firing
    assert keys[MessageType.SPEED_PLAN][:3] == (t, int(Phase.PUBLISH), t - 100_000_000)
    assert sorted(keys, key=keys.__getitem__)[0] is MessageType.MAP  # waited longest
    assert keys[MessageType.SPEED_PLAN] < keys[MessageType.SPAT]  # same history: registration rank
    assert order.key(Task.SPEED_PLAN, t) < order.key(Task.SPAT, t) < order.key(Task.SPEED_PLAN, t + 100_000_000)
    assert order.key(Task.RSM, 0)[2] == -1  # first firings: by rank alone
    assert order.key(Task.VEHICLE_SCAN, t) < order.key(Task.RSM, t) < order.key(Task.VEHICLE_PLAN, t)  # phases
    assert order.frame_key(5, 99) == (5, int(Phase.PUBLISH), -1, len(periodic_tasks(sc, spat=True)))  # unknown: last


def test_task_order_matches_the_scheduler_at_every_instant():
    """The key sorts one run's firings exactly as the in-process scheduler runs them."""
    from coop_drive.harness.scheduler import EventScheduler

    sc = OCCLUDED.with_overrides(split=Split.EDGE_PLANNING, map_source=MapSource.MEC)
    fired: list[tuple[Task, int, str | None]] = []
    scheduler = EventScheduler()
    for task in periodic_tasks(sc, spat=True):
        scheduler.every(task.first_offset_ns, task.period_ns, task.task.phase,
                        lambda t, p=task: fired.append((p.task, t, p.sensor_id)))
    scheduler.run_until(3_000_000_000)
    order = TaskOrder(sc, start_ns=0)
    assert sorted(fired, key=lambda f: order.key(*f)) == fired
    assert len(fired) > 200 and len({f[2] for f in fired}) > 2  # several sensors at several rates
