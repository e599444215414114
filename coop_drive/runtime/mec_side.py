"""The roadside MEC and the link in the in-process runtime: roadside sensors, the MEC's object lists, speed
plans, SPaT and MAP messages down the link, the car's BSMs up it; each frame is delivered at its due time."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from coop_drive.components.mec import MecCore
from coop_drive.components.mec_planner import PLAN_PERIOD_S, mec_planner_for
from coop_drive.components.spat_service import SPAT_RATE_HZ, SpatService
from coop_drive.components.vehicle_planner import BSM_PERIOD_S
from coop_drive.geometry import Polyline
from coop_drive.hdmap.map_client import MapServer
from coop_drive.hdmap.service import MapService
from coop_drive.link.model import LinkDirection
from coop_drive.rng import stream
from coop_drive.runtime.context import P_DELIVER, P_PUBLISH, P_SENSOR, RunContext
from coop_drive.runtime.vehicle_side import VehicleSide
from coop_drive.scenario.model import MapSource
from coop_drive.sensors.object_sensor import ObjectSensor
from coop_drive.units import s_to_ns
from coop_drive.world.backend import Building
from coop_drive.world.signals import TimingPlan


class MecSide:
    def __init__(self, run: RunContext, vehicle: VehicleSide, route: Polyline, buildings: list[Building],
                 signal_plans: dict[str, TimingPlan], map_service: MapService | None) -> None:
        """``map_service``: the signalised map's service (None on maps without traffic lights)."""
        sc = run.scenario
        self.run, self.vehicle = run, vehicle
        self.mec = MecCore(planner=mec_planner_for(sc, route, map_service) if sc.split.plans_remotely else None)
        self.downlink = LinkDirection("downlink", sc.link.config, stream(sc.seed, "link/downlink"))
        self.uplink = LinkDirection("uplink", sc.link.config, stream(sc.seed, "link/uplink"))
        self.sensors = [ObjectSensor(spec, buildings, stream(sc.seed, "roadside/" + spec.sensor_id))
                        for spec in sc.roadside_sensors]
        self.spat = None if map_service is None else SpatService(signal_plans, map_service.map)
        self.map_server = MapServer(sc.map_path) if sc.map_source is MapSource.MEC else None

    def register(self) -> None:
        """The periodic events, in the order that decides ties at one instant."""
        run, sc = self.run, self.run.scenario
        run.every(BSM_PERIOD_S, P_PUBLISH, self._send_bsm)
        for sensor in self.sensors:
            run.every(1.0 / sensor.spec.rate_hz, P_SENSOR, partial(self._sense, sensor))
        run.every(1.0 / sc.mec_publish_rate_hz, P_PUBLISH, self._publish_objects)
        if sc.split.plans_remotely:
            run.every(PLAN_PERIOD_S, P_PUBLISH, self._publish_plan)
        if self.spat is not None and self.spat.groups:
            run.every(1.0 / SPAT_RATE_HZ, P_PUBLISH, self._publish_spat)
        if self.map_server is not None:
            run.every(1.0 / sc.mec_map_rate_hz, P_PUBLISH, self._publish_map)

    # --- the link ----------------------------------------------------------------------------
    def _transmit(self, link: LinkDirection, time_ns: int, frame: bytes, receive: Callable[[int, bytes], None]) -> bool:
        """Send a frame over one link direction; receive(arrival_ns, arrived_bytes) runs at its due time.
        The bytes that arrive may be corrupted (the link's corruption probability)."""
        sent = link.send(time_ns, frame)
        if sent is not None:
            due_ns, arrived = sent
            self.run.scheduler.at(due_ns, P_DELIVER, lambda now_ns: receive(now_ns, arrived))
        return sent is not None

    def _send_down(self, time_ns: int, frame: bytes) -> None:
        """A plan, SPaT or MAP frame (not in the object-list latency/AoI statistics)."""
        run = self.run
        run.metrics.v2x_frames_sent += 1
        if run.bag is not None:
            run.bag.on_frame("/mec/v2x_out", time_ns, frame)
        self._transmit(self.downlink, time_ns, frame, self.vehicle.on_downlink)

    def _send_bsm(self, time_ns: int) -> None:
        frame = self.vehicle.bsm_frame()
        if frame is None:
            return
        run = self.run
        run.metrics.v2x_uplink_frames_sent += 1
        if run.bag is not None:
            run.bag.on_frame("/vehicle/v2x_out", time_ns, frame)
        self._transmit(self.uplink, time_ns, frame, self._on_uplink)

    def _on_uplink(self, now_ns: int, frame: bytes) -> None:
        run = self.run
        run.metrics.v2x_uplink_frames_delivered += 1
        if run.bag is not None:
            run.bag.on_frame("/mec/v2x_in", now_ns, frame)
        if run.mec_alive():
            self.mec.on_uplink(frame)

    # --- the MEC -----------------------------------------------------------------------------
    def _sense(self, sensor: ObjectSensor, scan_ns: int) -> None:
        run = self.run
        detections = sensor.sense(run.world_time_s, None, run.states)
        if run.bag is not None:
            run.bag.on_detections("mec", run.world_time_s, sensor.spec.sensor_id, detections, scan_ns)
        self.mec.on_detections(run.world_time_s, detections)

    def _publish_objects(self, time_ns: int) -> None:
        run = self.run
        if not run.mec_alive():
            return
        frame = self.mec.object_list_frame(run.world_time_s)
        if run.bag is not None:
            run.bag.on_mec_publish(time_ns, run.world_time_s, self.mec.tracker.estimates(run.world_time_s), frame)
        run.metrics.v2x_frames_sent += 1
        generation_ns = s_to_ns(run.world_time_s)

        def deliver(now_ns: int, arrived: bytes) -> None:
            run.v2x.on_delivered(now_ns, generation_ns, len(arrived))
            self.vehicle.on_downlink(now_ns, arrived)

        run.v2x.on_sent(self._transmit(self.downlink, time_ns, frame, deliver))

    def _publish_plan(self, time_ns: int) -> None:  # edge/cloud-planning
        frame = self.mec.speed_plan_frame(self.run.world_time_s) if self.run.mec_alive() else None
        if frame is not None:
            self._send_down(time_ns, frame)

    def _publish_spat(self, time_ns: int) -> None:
        spat = self.spat
        if spat is None or not self.run.mec_alive():
            return
        frame = spat.frame(self.run.world_time_s)
        if frame is None:
            return
        if self.mec.planner is not None and spat.last_spat is not None:
            self.mec.planner.on_spat(spat.last_spat)  # the MEC plans on its own SPaT
        self._send_down(time_ns, frame)

    def _publish_map(self, time_ns: int) -> None:
        if self.map_server is None or not self.run.mec_alive():
            return
        for frame in self.map_server.frames(time_ns):
            self._send_down(time_ns, frame)
