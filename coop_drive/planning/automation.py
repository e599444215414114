"""Automation levels (SAE J3016) on top of the planner: who acts on the plan, and what happens on degradation.

Each cycle the vehicle computes two decisions: ``system`` (on everything it has: fused objects or an
offloaded plan) and ``onboard`` (on its own sensors only). The level decides the acceleration:

- L4: the system drives (``system``). When the supervisor reports degradation it performs a minimal-risk
  manoeuvre by itself: a controlled stop at comfort deceleration, braking harder when its own sensors need.
- L3: the system drives. On degradation it issues a takeover request and keeps driving on its own sensors
  (``onboard``) for the lead time; the driver takes over after a reaction time; a driver who has not taken
  over when the lead time runs out gets a minimal-risk manoeuvre.
- L2: the system holds the speed (cruise) and warns; the driver brakes. A warning goes out when the system's
  decision brakes harder than ``warning_decel_mps2`` and stays on ``warning_hold_s`` after the last such
  cycle (so that a flickering decision does not restart the driver's reaction); the driver complies with probability
  ``compliance_probability`` and, after a reaction time, follows the recommended deceleration. The driver
  also reacts to hazards seen with their own eyes (the ``onboard`` picture), after a reaction time.

The human model: reaction times drawn from a lognormal distribution (median 1.2 s, log-sd 0.35, i.e. 90 %
between 0.68 and 2.1 s), a fit to the unexpected-event brake reaction times summarised by Green (2000),
"How long does it take to stop?", Transportation Human Factors 2(3) — an assumption, not a measurement here.
After takeover (L3) the driver drives like L2 without warnings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import numpy as np

from coop_drive.scenario.model import AutomationLevel, EgoLimits


class Mode(str, Enum):
    """Who is in charge right now."""

    AUTOMATED = "automated"
    TAKEOVER_REQUESTED = "takeover_requested"
    MANUAL = "manual"
    MINIMAL_RISK = "minimal_risk"
    ASSISTED = "assisted"  # L2: the driver drives, the system holds the speed and warns


@dataclass(frozen=True)
class DriverConfig:
    """The human model."""

    reaction_median_s: float = 1.2
    reaction_log_sd: float = 0.35
    compliance_probability: float = 0.9
    takeover_lead_s: float = 4.0  # L3: time between takeover request and minimal-risk manoeuvre
    warning_decel_mps2: float = 1.0  # L2: warn when the system would brake harder than this...
    warning_hold_s: float = 1.5  # ...and keep warning this long after the last such cycle (no flicker)
    hazard_decel_mps2: float = 1.0  # a driver perceives a hazard when braking harder than this is needed


@dataclass(frozen=True)
class Control:
    """This cycle's output."""

    accel_mps2: float
    mode: Mode
    warning: bool  # an L2 warning (or L3 takeover request) is being shown


class _Reaction:
    """One episode a human reacts to: it starts at onset, the response begins a reaction time later."""

    def __init__(self) -> None:
        self.onset_s: float | None = None
        self.respond_at_s = math.inf

    def update(self, now_s: float, active: bool, rng: np.random.Generator, driver: DriverConfig,
               complies: bool = True) -> bool:
        """True while the human responds to an active episode."""
        if not active:
            self.onset_s, self.respond_at_s = None, math.inf
            return False
        if self.onset_s is None:
            self.onset_s = now_s
            delay = float(rng.lognormal(math.log(driver.reaction_median_s), driver.reaction_log_sd))
            self.respond_at_s = now_s + delay if complies else math.inf
        return now_s >= self.respond_at_s


class AutomationController:
    """Turns the planner's decisions into the ego's acceleration according to the automation level."""

    def __init__(self, level: AutomationLevel, limits: EgoLimits, rng: np.random.Generator,
                 driver: DriverConfig | None = None) -> None:
        self.level = level
        self.limits = limits
        self.driver = driver or DriverConfig()
        self._rng = rng
        self.mode = Mode.ASSISTED if level is AutomationLevel.L2 else Mode.AUTOMATED
        self._takeover_at_s = math.inf
        self._mrm_at_s = math.inf
        self._warning = _Reaction()
        self._warning_until_s = -math.inf
        self._hazard = _Reaction()
        self.warnings_issued = 0
        self.takeover_requested_at_s: float | None = None
        self.minimal_risk_at_s: float | None = None

    def step(self, now_s: float, system_accel_mps2: float, onboard_accel_mps2: float, cruise_accel_mps2: float,
             degraded: bool) -> Control:
        """Acceleration for the next cycle."""
        if self.level is AutomationLevel.L2:
            return self._assisted(now_s, system_accel_mps2, onboard_accel_mps2, cruise_accel_mps2, warn=True)
        if self.mode is Mode.AUTOMATED and degraded:
            if self.level is AutomationLevel.L4:
                self._enter_minimal_risk(now_s)
            else:
                self.mode = Mode.TAKEOVER_REQUESTED
                self.takeover_requested_at_s = now_s
                reaction = float(self._rng.lognormal(math.log(self.driver.reaction_median_s),
                                                     self.driver.reaction_log_sd))
                self._takeover_at_s = now_s + reaction
                self._mrm_at_s = now_s + self.driver.takeover_lead_s
        if self.mode is Mode.TAKEOVER_REQUESTED:
            if now_s >= self._takeover_at_s and self._takeover_at_s <= self._mrm_at_s:
                self.mode = Mode.MANUAL
            elif now_s >= self._mrm_at_s:
                self._enter_minimal_risk(now_s)
            else:
                return Control(onboard_accel_mps2, self.mode, warning=True)
        if self.mode is Mode.MANUAL:
            return self._assisted(now_s, onboard_accel_mps2, onboard_accel_mps2, cruise_accel_mps2, warn=False)
        if self.mode is Mode.MINIMAL_RISK:
            return Control(min(onboard_accel_mps2, -self.limits.comfort_decel_mps2), self.mode, warning=False)
        return Control(system_accel_mps2, self.mode, warning=False)

    def _enter_minimal_risk(self, now_s: float) -> None:
        self.mode = Mode.MINIMAL_RISK
        self.minimal_risk_at_s = now_s

    def _assisted(self, now_s: float, system_accel_mps2: float, onboard_accel_mps2: float,
                  cruise_accel_mps2: float, warn: bool) -> Control:
        """A driver at the wheel: the system holds the speed; the driver brakes for warnings and for what
        they see, each after a reaction time."""
        driver = self.driver
        if warn and system_accel_mps2 < -driver.warning_decel_mps2:
            self._warning_until_s = now_s + driver.warning_hold_s
        warning_active = warn and now_s < self._warning_until_s
        if warning_active and self._warning.onset_s is None:
            self.warnings_issued += 1
            complies = bool(self._rng.random() < driver.compliance_probability)
        else:
            complies = True
        accel = cruise_accel_mps2
        if self._warning.update(now_s, warning_active, self._rng, driver, complies):
            accel = min(accel, system_accel_mps2)
        if self._hazard.update(now_s, onboard_accel_mps2 < -driver.hazard_decel_mps2, self._rng, driver):
            accel = min(accel, onboard_accel_mps2)
        return Control(accel, self.mode, warning=warning_active)
