"""The arterial corridor: layout, signal groups, and its SUMO timing plans (a green wave at 50 km/h)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from coop_drive.hdmap import MapService, load_map
from coop_drive.world.netcache import derive_net, timing_plans_for

MAPS = Path(__file__).resolve().parents[2] / "maps"
CORRIDOR = MAPS / "arterial_corridor.xodr"
V_MPS = 50.0 / 3.6
CYCLE_S = 70.0


def test_layout_four_signalised_junctions_300_to_500_m_apart() -> None:
    m = load_map(CORRIDOR)
    centres = sorted(float(m.lanes[j.lane_indices[0]].xy_m[0, 0]) + 10.0 for j in m.junctions.values())
    assert len(centres) == 4
    gaps = [b - a for a, b in zip(centres, centres[1:], strict=False)]
    assert all(300.0 <= g <= 500.0 for g in gaps), gaps
    arterial = sum(m.roads[r].length_m for r in "12345") + 4 * 20.0
    assert arterial == pytest.approx(2000.0)
    assert {round(r.speed_mps * 3.6, 6) for ln in m.lanes for r in ln.speed} == {50.0}
    svc = MapService(m)
    x = 100.0
    groups = []
    for _ in range(6):
        east = svc.match(x, -1.75, 0.0)
        group = svc.signal_group(east) if east is not None else None
        if group is None:
            break
        groups.append((group.junction_id, group.group_id, round(x + group.junction_entry_m, 6)))
        x += group.junction_entry_m + 21.0  # just past that junction
    # eastbound: each arterial group, entered 10 m before each junction centre
    assert groups == [("100", "100_arterial", 290.0), ("200", "200_arterial", 690.0),
                      ("300", "300_arterial", 1040.0), ("400", "400_arterial", 1490.0)]
    side = svc.match(301.75, -100.0, 1.5708)  # northbound on the first south side street
    group = svc.signal_group(side)
    assert group is not None and group.group_id == "100_side" and group.junction_entry_m == pytest.approx(90.0)


def test_timing_plans_load_in_sumo_and_make_a_green_wave() -> None:
    libsumo = pytest.importorskip("libsumo")
    import sumo

    plans = timing_plans_for(CORRIDOR)
    assert plans is not None and plans.name == "arterial_corridor.tls.add.xml"
    net = derive_net(CORRIDOR)
    libsumo.start([os.path.join(sumo.SUMO_HOME, "bin", "sumo"), "--net-file", str(net.net_path),
                   "--additional-files", str(plans), "--step-length", "0.1", "--no-step-log", "true",
                   "--no-warnings", "true", "--duration-log.disable", "true"])
    try:
        tls = sorted(libsumo.trafficlight.getIDList(), key=int)
        assert tls == ["100", "200", "300", "400"]
        assert {libsumo.trafficlight.getProgram(t) for t in tls} == {"green_wave"}
        libsumo.vehicletype.copy("DEFAULT_VEHTYPE", "steady")
        libsumo.vehicletype.setParameter("steady", "sigma", "0")
        libsumo.vehicletype.setSpeedFactor("steady", 1.0)
        libsumo.vehicletype.setMaxSpeed("steady", V_MPS)
        libsumo.route.add("east", ["-1", "-2", "-3", "-4", "-5"])
        green_starts: dict[str, list[float]] = {t: [] for t in tls}
        last_phase = {t: libsumo.trafficlight.getPhase(t) for t in tls}
        min_speed = float("inf")
        arrived = 0
        while libsumo.simulation.getTime() < 2 * CYCLE_S + 80.0:
            now = libsumo.simulation.getTime()
            if abs(now - 5.0) < 1e-6:  # reaches the first stop line (x = 290) at 25.9 s: inside its green
                libsumo.vehicle.add("probe", "east", typeID="steady", departSpeed=str(V_MPS), departPos="0")
            libsumo.simulationStep()
            arrived += libsumo.simulation.getArrivedNumber()
            for t in tls:
                phase = libsumo.trafficlight.getPhase(t)
                if phase == 0 and last_phase[t] != 0:
                    green_starts[t].append(libsumo.simulation.getTime())
                last_phase[t] = phase
            if "probe" in libsumo.vehicle.getIDList() and libsumo.simulation.getTime() > 6.0:
                min_speed = min(min_speed, libsumo.vehicle.getSpeed("probe"))
    finally:
        libsumo.close()
    xs = {"100": 300.0, "200": 700.0, "300": 1050.0, "400": 1500.0}
    first = green_starts["100"][0]
    for t in tls:
        delay = (green_starts[t][0] - first) % CYCLE_S
        assert delay == pytest.approx(((xs[t] - 300.0) / V_MPS) % CYCLE_S, abs=0.15), t
    assert arrived == 1  # the probe drove the whole 2 km
    assert 0.95 * V_MPS < min_speed < float("inf")  # through four signals without braking: the green wave works


def test_sumo_world_loads_the_timing_plans_next_to_the_map() -> None:
    from dataclasses import replace

    from coop_drive.scenario import load_scenario
    from coop_drive.world.sumo_backend import SumoWorld

    base = load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "occluded_intersection.yaml")
    scenario = replace(base, map_path=CORRIDOR, ego=replace(base.ego, route=("-1", "-5")), actors=())
    world = SumoWorld()
    try:
        world.start(scenario)
        import libsumo

        assert sorted(world.signal_states(), key=int) == ["100", "200", "300", "400"]
        assert {libsumo.trafficlight.getProgram(t) for t in world.signal_states()} == {"green_wave"}
        logic = next(lg for lg in libsumo.trafficlight.getAllProgramLogics("200") if lg.programID == "green_wave")
        assert [p.duration for p in logic.phases] == [37.0, 3.0, 2.0, 23.0, 3.0, 2.0]
        # offset 28.8 s: at t = 0.05 s junction 200 is at cycle time 41.25 s, in the all-red after the arterial
        assert libsumo.trafficlight.getPhase("200") == 2 and libsumo.trafficlight.getPhase("100") == 0
    finally:
        world.close()
