"""Automation level contract: L4 minimal-risk stop, L3 takeover timing, L2 warnings and the driver's reactions.

A driver with ``reaction_log_sd = 0`` reacts after exactly ``reaction_median_s``: the timing tests use that.
"""

import math

import numpy as np
import pytest

from coop_drive.planning.automation import AutomationController, Control, DriverConfig, Mode
from coop_drive.scenario.model import AutomationLevel, EgoLimits

LIMITS = EgoLimits(max_accel_mps2=2.0, comfort_decel_mps2=3.0, max_decel_mps2=7.0)
DT = 0.05


def _driver(reaction=2.0, **kw):
    return DriverConfig(reaction_median_s=reaction, reaction_log_sd=0.0, **kw)


def _ctrl(level, driver=None, limits=LIMITS, seed=0):
    return AutomationController(level, limits, np.random.default_rng(seed), driver)


def _times(start, stop):
    """Cycle times start, start + DT, ... below stop, on the 50 ms grid."""
    return [k * DT for k in range(round(start / DT), round(stop / DT))]


def test_driver_defaults_are_the_documented_ones():
    d = DriverConfig()
    assert (
        d.reaction_median_s,
        d.reaction_log_sd,
        d.compliance_probability,
        d.takeover_lead_s,
        d.warning_decel_mps2,
        d.warning_hold_s,
        d.hazard_decel_mps2,
    ) == (1.2, 0.35, 0.9, 4.0, 1.0, 1.5, 1.0)


def test_initial_state():
    for level, mode in (
        (AutomationLevel.L2, Mode.ASSISTED),
        (AutomationLevel.L3, Mode.AUTOMATED),
        (AutomationLevel.L4, Mode.AUTOMATED),
    ):
        ctrl = _ctrl(level)
        assert ctrl.mode is mode
        assert ctrl.driver == DriverConfig()
        assert (ctrl.warnings_issued, ctrl.takeover_requested_at_s, ctrl.minimal_risk_at_s) == (0, None, None)


# ---------------------------------------------------------------------------------------------------------- L4


def test_l4_drives_the_system_decision_until_degraded():
    ctrl = _ctrl(AutomationLevel.L4)
    assert ctrl.step(0.0, 0.7, -5.0, 1.5, degraded=False) == Control(0.7, Mode.AUTOMATED, warning=False)


def test_l4_minimal_risk_stop_at_comfort_or_harder_when_its_sensors_need():
    ctrl = _ctrl(AutomationLevel.L4)
    ctrl.step(0.0, 0.7, 0.0, 0.5, degraded=False)
    assert ctrl.step(2.0, 0.7, 0.5, 0.5, degraded=True) == Control(-3.0, Mode.MINIMAL_RISK, warning=False)
    assert ctrl.minimal_risk_at_s == 2.0
    assert ctrl.step(2.05, 0.7, -5.0, 0.5, degraded=True) == Control(-5.0, Mode.MINIMAL_RISK, warning=False)
    # fresh information again does not end the manoeuvre, nor move its start
    assert ctrl.step(3.0, 0.7, -1.0, 0.5, degraded=False) == Control(-3.0, Mode.MINIMAL_RISK, warning=False)
    assert ctrl.minimal_risk_at_s == 2.0
    assert ctrl.takeover_requested_at_s is None
    assert ctrl.warnings_issued == 0


def test_l4_minimal_risk_uses_the_car_comfort_deceleration():
    ctrl = _ctrl(AutomationLevel.L4, limits=EgoLimits(2.0, 2.5, 7.0))
    assert ctrl.step(0.0, 0.0, 0.0, 0.0, degraded=True).accel_mps2 == -2.5


# ---------------------------------------------------------------------------------------------------------- L3


def test_l3_request_then_the_driver_takes_over_after_the_reaction_time():
    ctrl = _ctrl(AutomationLevel.L3, _driver(reaction=2.0))
    assert ctrl.step(0.5, 0.4, -0.2, 0.3, degraded=False) == Control(0.4, Mode.AUTOMATED, warning=False)
    # request at 1.0 s: the system drives on its own sensors and shows the request
    assert ctrl.step(1.0, 0.4, -0.2, 0.3, degraded=True) == Control(-0.2, Mode.TAKEOVER_REQUESTED, warning=True)
    assert ctrl.takeover_requested_at_s == 1.0
    # fresh information does not cancel the request
    assert ctrl.step(2.95, 0.4, -0.3, 0.3, degraded=False) == Control(-0.3, Mode.TAKEOVER_REQUESTED, warning=True)
    # the driver's hands are back at 1.0 + 2.0 s: they cruise (no hazard in sight), without warnings
    assert ctrl.step(3.0, -4.0, -0.3, 0.3, degraded=True) == Control(0.3, Mode.MANUAL, warning=False)
    assert ctrl.step(10.0, -4.0, -0.3, 0.3, degraded=False) == Control(0.3, Mode.MANUAL, warning=False)
    assert ctrl.warnings_issued == 0
    assert ctrl.minimal_risk_at_s is None


def test_l3_takeover_exactly_when_the_lead_time_runs_out_is_a_takeover():
    # reaction 4 s = lead 4 s: at 5.0 s the driver is there
    ctrl = _ctrl(AutomationLevel.L3, _driver(reaction=4.0, takeover_lead_s=4.0))
    ctrl.step(1.0, 0.0, 0.0, 0.3, degraded=True)
    assert ctrl.step(4.95, 0.0, 0.0, 0.3, degraded=True).mode is Mode.TAKEOVER_REQUESTED
    assert ctrl.step(5.0, 0.0, 0.0, 0.3, degraded=True) == Control(0.3, Mode.MANUAL, warning=False)
    assert ctrl.minimal_risk_at_s is None


def test_l3_driver_too_slow_gets_a_minimal_risk_manoeuvre_at_the_lead_time():
    ctrl = _ctrl(AutomationLevel.L3, _driver(reaction=4.5, takeover_lead_s=4.0))
    ctrl.step(1.0, 0.0, 0.0, 0.3, degraded=True)
    assert ctrl.step(4.95, 0.0, -0.5, 0.3, degraded=True) == Control(-0.5, Mode.TAKEOVER_REQUESTED, warning=True)
    assert ctrl.step(5.0, 0.0, -0.5, 0.3, degraded=True) == Control(-3.0, Mode.MINIMAL_RISK, warning=False)
    assert ctrl.minimal_risk_at_s == 5.0
    # the late driver does not take over a minimal-risk manoeuvre
    assert ctrl.step(6.0, 0.0, -4.0, 0.3, degraded=False) == Control(-4.0, Mode.MINIMAL_RISK, warning=False)
    assert ctrl.minimal_risk_at_s == 5.0


def test_l3_lead_time_comes_from_the_driver_config():
    ctrl = _ctrl(AutomationLevel.L3, _driver(reaction=3.0, takeover_lead_s=2.5))
    ctrl.step(1.0, 0.0, 0.0, 0.3, degraded=True)
    assert ctrl.step(3.45, 0.0, 0.0, 0.3, degraded=True).mode is Mode.TAKEOVER_REQUESTED
    assert ctrl.step(3.5, 0.0, 0.0, 0.3, degraded=True).mode is Mode.MINIMAL_RISK


def test_l3_after_takeover_the_driver_reacts_to_hazards_after_a_reaction_time():
    ctrl = _ctrl(AutomationLevel.L3, _driver(reaction=2.0))
    ctrl.step(1.0, 0.0, -2.0, 0.3, degraded=True)
    # manual from 3.0 s; the hazard (own sensors want -2 < -1) is noticed at 3.0 s, acted on at 5.0 s
    assert ctrl.step(3.0, 0.0, -2.0, 0.3, degraded=True) == Control(0.3, Mode.MANUAL, warning=False)
    assert ctrl.step(4.95, 0.0, -2.0, 0.3, degraded=True).accel_mps2 == 0.3
    assert ctrl.step(5.0, 0.0, -2.0, 0.3, degraded=True) == Control(-2.0, Mode.MANUAL, warning=False)


def test_l3_reaction_times_follow_the_lognormal_driver_model():
    takeovers = []
    for seed in range(200):
        ctrl = _ctrl(AutomationLevel.L3, DriverConfig(takeover_lead_s=10.0), seed=seed)
        ctrl.step(0.0, 0.0, 0.0, 0.0, degraded=True)
        t = next(t for t in _times(DT, 10.0) if ctrl.step(t, 0.0, 0.0, 0.0, degraded=True).mode is Mode.MANUAL)
        takeovers.append(t)
    # median 1.2 s; 90 % between 0.68 and 2.1 s (log-sd 0.35), on the 50 ms grid
    assert np.median(takeovers) == pytest.approx(1.2, abs=0.1)
    assert 0.55 < np.quantile(takeovers, 0.05) < 0.85
    assert 1.85 < np.quantile(takeovers, 0.95) < 2.45


# ---------------------------------------------------------------------------------------------------------- L2


def test_l2_warns_only_when_the_system_brakes_harder_than_the_threshold():
    ctrl = _ctrl(AutomationLevel.L2, _driver())
    assert ctrl.step(0.0, -1.0, 0.0, 0.5, degraded=False) == Control(0.5, Mode.ASSISTED, warning=False)
    assert ctrl.warnings_issued == 0
    assert ctrl.step(0.05, -1.01, 0.0, 0.5, degraded=False) == Control(0.5, Mode.ASSISTED, warning=True)
    assert ctrl.warnings_issued == 1


def test_l2_warning_threshold_comes_from_the_driver_config():
    ctrl = _ctrl(AutomationLevel.L2, _driver(warning_decel_mps2=2.0))
    assert not ctrl.step(0.0, -1.5, 0.0, 0.5, degraded=False).warning
    assert ctrl.step(0.05, -2.5, 0.0, 0.5, degraded=False).warning


def test_l2_warning_is_held_after_the_last_braking_cycle():
    ctrl = _ctrl(AutomationLevel.L2, _driver())
    assert ctrl.step(1.0, -2.0, 0.0, 0.5, degraded=False).warning
    assert ctrl.step(2.45, 0.0, 0.0, 0.5, degraded=False).warning  # 1.0 + 1.5 s hold not over yet
    assert not ctrl.step(2.5, 0.0, 0.0, 0.5, degraded=False).warning  # exactly over
    assert ctrl.warnings_issued == 1


def test_l2_warning_hold_comes_from_the_driver_config():
    ctrl = _ctrl(AutomationLevel.L2, _driver(warning_hold_s=0.5))
    ctrl.step(1.0, -2.0, 0.0, 0.5, degraded=False)
    assert ctrl.step(1.45, 0.0, 0.0, 0.5, degraded=False).warning
    assert not ctrl.step(1.5, 0.0, 0.0, 0.5, degraded=False).warning


def test_l2_compliant_driver_follows_the_recommendation_after_the_reaction_time():
    ctrl = _ctrl(AutomationLevel.L2, _driver(reaction=2.0, compliance_probability=1.0))
    # a warning from 1.0 s on: cruise until 1.0 + 2.0 s, then the system's deceleration
    for t in _times(1.0, 3.0):
        assert ctrl.step(t, -3.0, 0.0, 0.5, degraded=False) == Control(0.5, Mode.ASSISTED, warning=True)
    assert ctrl.step(3.0, -3.0, 0.0, 0.5, degraded=False) == Control(-3.0, Mode.ASSISTED, warning=True)
    assert ctrl.warnings_issued == 1


def test_l2_driver_keeps_the_harder_of_cruise_and_recommendation():
    ctrl = _ctrl(AutomationLevel.L2, _driver(reaction=2.0, compliance_probability=1.0))
    ctrl.step(1.0, -1.5, 0.0, -2.0, degraded=False)
    assert ctrl.step(3.0, -1.5, 0.0, -2.0, degraded=False).accel_mps2 == -2.0  # the ACC brakes harder


def test_l2_non_compliant_driver_ignores_the_warning():
    ctrl = _ctrl(AutomationLevel.L2, _driver(reaction=0.5, compliance_probability=0.0))
    outs = [ctrl.step(t, -3.0, 0.0, 0.5, degraded=False) for t in _times(0.0, 5.0)]
    assert all(c == Control(0.5, Mode.ASSISTED, warning=True) for c in outs)
    assert ctrl.warnings_issued == 1


def test_l2_a_new_warning_episode_restarts_the_reaction():
    ctrl = _ctrl(AutomationLevel.L2, _driver(reaction=1.0, compliance_probability=1.0))
    ctrl.step(0.0, -3.0, 0.0, 0.5, degraded=False)
    assert ctrl.step(1.0, -3.0, 0.0, 0.5, degraded=False).accel_mps2 == -3.0  # responds at 0 + 1 s
    # last braking cycle at 1.0 s, warning off from 2.5 s: the response ends with it
    assert ctrl.step(2.45, 0.0, 0.0, 0.5, degraded=False) == Control(0.0, Mode.ASSISTED, warning=True)
    assert ctrl.step(2.5, 0.0, 0.0, 0.5, degraded=False) == Control(0.5, Mode.ASSISTED, warning=False)
    # a second episode from 4.0 s: counted, and a fresh reaction time
    assert ctrl.step(4.0, -3.0, 0.0, 0.5, degraded=False) == Control(0.5, Mode.ASSISTED, warning=True)
    assert ctrl.warnings_issued == 2
    assert ctrl.step(4.95, -3.0, 0.0, 0.5, degraded=False).accel_mps2 == 0.5
    assert ctrl.step(5.0, -3.0, 0.0, 0.5, degraded=False).accel_mps2 == -3.0


def test_l2_hazard_threshold_and_reaction():
    ctrl = _ctrl(AutomationLevel.L2, _driver(reaction=2.0, compliance_probability=1.0))
    # own sensors want exactly -1.0: no hazard, ever
    for t in _times(0.0, 3.0):
        assert ctrl.step(t, 0.0, -1.0, 0.5, degraded=False) == Control(0.5, Mode.ASSISTED, warning=False)
    # -1.5 from 3.0 s: acted on from 5.0 s, no warning (the system itself does not brake)
    assert ctrl.step(3.0, 0.0, -1.5, 0.5, degraded=False).accel_mps2 == 0.5
    assert ctrl.step(4.95, 0.0, -1.5, 0.5, degraded=False).accel_mps2 == 0.5
    assert ctrl.step(5.0, 0.0, -1.5, 0.5, degraded=False) == Control(-1.5, Mode.ASSISTED, warning=False)
    assert ctrl.warnings_issued == 0


def test_l2_hazard_threshold_comes_from_the_driver_config():
    ctrl = _ctrl(AutomationLevel.L2, _driver(reaction=0.5, hazard_decel_mps2=2.0))
    ctrl.step(0.0, 0.0, -1.5, 0.5, degraded=False)
    assert ctrl.step(1.0, 0.0, -1.5, 0.5, degraded=False).accel_mps2 == 0.5
    ctrl.step(1.05, 0.0, -2.5, 0.5, degraded=False)
    assert ctrl.step(1.55, 0.0, -2.5, 0.5, degraded=False).accel_mps2 == -2.5


def test_l2_warning_and_hazard_responses_combine_to_the_hardest():
    ctrl = _ctrl(AutomationLevel.L2, _driver(reaction=1.0, compliance_probability=1.0))
    ctrl.step(0.0, -2.0, -4.0, 0.5, degraded=False)
    assert ctrl.step(1.0, -2.0, -4.0, 0.5, degraded=False).accel_mps2 == -4.0
    ctrl2 = _ctrl(AutomationLevel.L2, _driver(reaction=1.0, compliance_probability=1.0))
    ctrl2.step(0.0, -4.0, -2.0, 0.5, degraded=False)
    assert ctrl2.step(1.0, -4.0, -2.0, 0.5, degraded=False).accel_mps2 == -4.0


def test_l2_even_a_non_compliant_driver_brakes_for_what_they_see():
    ctrl = _ctrl(AutomationLevel.L2, _driver(reaction=1.0, compliance_probability=0.0))
    ctrl.step(0.0, -3.0, -2.0, 0.5, degraded=False)
    assert ctrl.step(1.0, -3.0, -2.0, 0.5, degraded=False) == Control(-2.0, Mode.ASSISTED, warning=True)


def test_l2_ignores_the_degradation_flag():
    a = _ctrl(AutomationLevel.L2, _driver(reaction=1.0), seed=3)
    b = _ctrl(AutomationLevel.L2, _driver(reaction=1.0), seed=3)
    for t in _times(0.0, 3.0):
        system = -3.0 if t < 1.5 else 0.0
        assert a.step(t, system, -1.5, 0.5, degraded=False) == b.step(t, system, -1.5, 0.5, degraded=True)
    assert a.mode is Mode.ASSISTED and a.minimal_risk_at_s is None and a.takeover_requested_at_s is None


def test_l2_compliance_share_follows_the_probability():
    complied = 0
    n = 400
    for seed in range(n):
        ctrl = _ctrl(AutomationLevel.L2, _driver(reaction=0.5, compliance_probability=0.3), seed=seed)
        ctrl.step(0.0, -3.0, 0.0, 0.5, degraded=False)
        complied += ctrl.step(0.5, -3.0, 0.0, 0.5, degraded=False).accel_mps2 == -3.0
    assert abs(complied / n - 0.3) < 4.0 * math.sqrt(0.3 * 0.7 / n)
