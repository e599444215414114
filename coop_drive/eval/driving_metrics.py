"""Driving-quality metrics of the ego: stops, stopped time, fuel, jerk, and compliance with GLOSA advice.

- ``stops``: times the ego's speed falls below ``STOP_SPEED_MPS`` after it has moved faster than
  ``MOVING_SPEED_MPS`` since the previous stop (the hysteresis keeps a creeping queue from counting twice);
  ``stopped_time_s``: time spent below ``STOP_SPEED_MPS`` after first moving.
- ``fuel_g``: the simulator's emission model for the ego (SUMO: HBEFA, ``vehicle.getFuelConsumption`` in
  mg/s in SUMO 1.28) integrated over the run (rectangle rule, the rate of each step over the step before it).
- ``rms_jerk_mps3``: root mean square of the change of the ego's acceleration per step, the acceleration
  being the change of ground-truth speed per step.
- ``advisory_compliance``: share of planning cycles with an active GLOSA advice in which the ego's speed was
  within ``COMPLIANCE_TOLERANCE_MPS`` of it; None when no advice was ever active.
- ``red_crossings``: stop lines the ego passed while its signal showed red (``u``, red+amber, counts as red)
  at the last world step before it passed: the next signal on its route changed to another one (or to none)
  with the stop line less than ``CROSSING_WINDOW_M`` ahead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from coop_drive.world.traffic_lights import Colour, NextSignal

if TYPE_CHECKING:
    from coop_drive.eval.metrics import RunMetrics

STOP_SPEED_MPS = 0.5
MOVING_SPEED_MPS = 1.0
COMPLIANCE_TOLERANCE_MPS = 1.0
CROSSING_WINDOW_M = 15.0  # the stop line was this close when the next signal changed: the ego passed it


@dataclass
class DrivingRecorder:
    """Accumulates the driving metrics from each world step and planning cycle."""

    stops: int = 0
    stopped_time_s: float = 0.0
    fuel_mg: float | None = None
    _moving: bool = False
    _moved: bool = False
    _last: tuple[float, float] | None = None  # (time [s], speed [m/s])
    _last_accel_mps2: float | None = None
    _jerk_sq: list[float] = field(default_factory=list)
    _advised_cycles: int = 0
    _compliant_cycles: int = 0
    red_crossings: int = 0
    _signal: NextSignal | None = None

    def on_step(self, time_s: float, speed_mps: float, fuel_rate_mgps: float | None) -> None:
        """One world step's ground truth of the ego."""
        if self._last is not None:
            t0, v0 = self._last
            dt = time_s - t0
            if dt <= 0.0:
                return
            if fuel_rate_mgps is not None:
                self.fuel_mg = (self.fuel_mg or 0.0) + fuel_rate_mgps * dt
            if self._moved and speed_mps < STOP_SPEED_MPS:
                self.stopped_time_s += dt
            accel = (speed_mps - v0) / dt
            if self._last_accel_mps2 is not None:
                self._jerk_sq.append(((accel - self._last_accel_mps2) / dt) ** 2)
            self._last_accel_mps2 = accel
        self._last = (time_s, speed_mps)
        if speed_mps > MOVING_SPEED_MPS:
            self._moving = self._moved = True
        elif speed_mps < STOP_SPEED_MPS and self._moving:
            self._moving = False
            self.stops += 1

    def on_signal(self, signal: NextSignal | None) -> None:
        """One world step's ground truth of the ego's next signal (None: none ahead, or the ego has left)."""
        last = self._signal
        passed = last is not None and (signal is None or (signal.tls_id, signal.link_index) != (
            last.tls_id, last.link_index)) and last.distance_m < CROSSING_WINDOW_M
        if passed and last is not None and last.colour is Colour.RED:
            self.red_crossings += 1
        self._signal = signal

    def on_advice(self, speed_mps: float, advice_mps: float | None) -> None:
        """One planning cycle: the ego's speed and the GLOSA advice in force (None: none)."""
        if advice_mps is None:
            return
        self._advised_cycles += 1
        self._compliant_cycles += abs(speed_mps - advice_mps) <= COMPLIANCE_TOLERANCE_MPS

    @property
    def fuel_g(self) -> float | None:
        return None if self.fuel_mg is None else self.fuel_mg / 1000.0

    @property
    def rms_jerk_mps3(self) -> float | None:
        return math.sqrt(sum(self._jerk_sq) / len(self._jerk_sq)) if self._jerk_sq else None

    @property
    def advisory_compliance(self) -> float | None:
        return self._compliant_cycles / self._advised_cycles if self._advised_cycles else None

    def fill(self, m: RunMetrics) -> None:
        """Write the driving metrics into a run's metrics (both runtimes)."""
        m.stops, m.stopped_time_s, m.fuel_g = self.stops, self.stopped_time_s, self.fuel_g
        m.rms_jerk_mps3, m.advisory_compliance = self.rms_jerk_mps3, self.advisory_compliance
        m.red_crossings = self.red_crossings
