"""Speed of one in-process run against SUMO stepping alone, in the same process (`make bench`)."""

import time
from pathlib import Path

import pytest

from coop_drive.harness.run import run_scenario
from coop_drive.scenario import Split, load_scenario
from coop_drive.world.sumo_backend import SumoWorld

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "occluded_intersection.yaml"


def _sumo_alone_s(steps: int) -> float:
    scenario = load_scenario(SCENARIO)
    world = SumoWorld()
    world.start(scenario)
    world.spawn_actor(scenario.actors[0])
    start = time.perf_counter()
    for _ in range(steps):
        if world.ego_arrived():
            break
        world.command_ego_speed(13.89)
        world.tick()
        world.actor_states()
    elapsed = time.perf_counter() - start
    world.close()
    return elapsed


@pytest.mark.benchmark
@pytest.mark.parametrize("split", [Split.ONBOARD, Split.EDGE])
def test_run_against_sumo_stepping(split):
    scenario = load_scenario(SCENARIO).with_overrides(split=split, latency_ms=20.0)
    runs = [run_scenario(scenario, SumoWorld()) for _ in range(3)]
    wall_s = min(m.wall_time_s for m in runs)
    steps = round(runs[0].sim_time_s / scenario.step_s)
    baseline_s = min(_sumo_alone_s(steps) for _ in range(3))
    print(f"\n{split.value}: {steps} steps, run {wall_s * 1e3:.1f} ms, SUMO stepping alone {baseline_s * 1e3:.1f} ms, "
          f"ratio {wall_s / baseline_s:.1f}x, real-time factor {runs[0].sim_time_s / wall_s:.0f}x")
    assert runs[0].sim_time_s > 0
