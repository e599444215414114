import numpy as np
import pytest

from coop_drive.planning.automation import AutomationController, DriverConfig, Mode
from coop_drive.planning.supervisor import Supervisor
from coop_drive.scenario.model import AutomationLevel, EgoLimits

DT = 0.05


def _run(level, degraded_from_s, steps=200, system=-2.0, onboard=0.0, cruise=0.5, seed=0, driver=None):
    ctrl = AutomationController(level, EgoLimits(), np.random.default_rng(seed), driver)
    out = []
    for k in range(steps):
        t = k * DT
        out.append((t, ctrl.step(t, system, onboard, cruise, degraded=t >= degraded_from_s)))
    return ctrl, out


def test_l4_performs_a_minimal_risk_stop_on_degradation():
    ctrl, out = _run(AutomationLevel.L4, degraded_from_s=2.0, system=0.3)
    before = [c for t, c in out if t < 2.0]
    after = [c for t, c in out if t >= 2.0]
    assert all(c.mode is Mode.AUTOMATED and c.accel_mps2 == 0.3 for c in before)
    assert all(c.mode is Mode.MINIMAL_RISK and c.accel_mps2 == pytest.approx(-3.0) for c in after)
    assert ctrl.minimal_risk_at_s == pytest.approx(2.0)


def test_l3_requests_takeover_then_the_driver_drives():
    ctrl, out = _run(AutomationLevel.L3, degraded_from_s=1.0, onboard=-0.2)
    assert ctrl.takeover_requested_at_s == pytest.approx(1.0)
    modes = [c.mode for _, c in out]
    assert Mode.TAKEOVER_REQUESTED in modes and modes[-1] is Mode.MANUAL
    during = [c for t, c in out if c.mode is Mode.TAKEOVER_REQUESTED]
    assert all(c.warning and c.accel_mps2 == -0.2 for c in during)  # system drives on its own sensors
    takeover_s = next(t for t, c in out if c.mode is Mode.MANUAL)
    assert 1.0 < takeover_s < 1.0 + DriverConfig().takeover_lead_s


def test_l3_without_a_driver_in_time_falls_back_to_minimal_risk():
    slow = DriverConfig(reaction_median_s=30.0)
    ctrl, out = _run(AutomationLevel.L3, degraded_from_s=1.0, driver=slow)
    assert out[-1][1].mode is Mode.MINIMAL_RISK
    assert ctrl.minimal_risk_at_s == pytest.approx(1.0 + slow.takeover_lead_s, abs=DT)


def test_l2_driver_reacts_to_a_warning_after_a_reaction_time():
    reactions = []
    for seed in range(300):
        _, out = _run(AutomationLevel.L2, degraded_from_s=99.0, steps=120, system=-3.0, seed=seed,
                      driver=DriverConfig(compliance_probability=1.0))
        assert all(c.warning for _, c in out)
        braking = [t for t, c in out if c.accel_mps2 == -3.0]
        reactions.append(braking[0] if braking else np.inf)
    reactions_arr = np.array(reactions)
    assert np.median(reactions_arr) == pytest.approx(1.2, abs=0.1)  # lognormal median 1.2 s (steps of 50 ms)
    assert 0.5 < np.quantile(reactions_arr, 0.05) and np.quantile(reactions_arr, 0.95) < 2.6


def test_l2_non_compliant_drivers_ignore_warnings():
    ignored = 0
    for seed in range(400):
        _, out = _run(AutomationLevel.L2, degraded_from_s=99.0, steps=100, system=-3.0, seed=seed,
                      driver=DriverConfig(compliance_probability=0.75))
        ignored += all(c.accel_mps2 == 0.5 for _, c in out)
    assert abs(ignored / 400 - 0.25) < 4 * np.sqrt(0.25 * 0.75 / 400)


def test_supervisor_detects_staleness_within_its_limit():
    sup = Supervisor(uses_v2x=True, max_age_s=0.5, start_s=0.0)
    assert not sup.update(0.4, None).degraded  # nothing yet, still within the limit
    assert not sup.update(1.0, 0.9).degraded
    state = sup.update(1.45, 0.9)
    assert state.degraded and state.degraded_since_s == pytest.approx(1.4)
    assert state.age_s == pytest.approx(0.55)
    assert not sup.update(1.5, 1.45).degraded  # fresh again
    assert not Supervisor(uses_v2x=False, max_age_s=0.5, start_s=0.0).update(10.0, None).degraded


def test_l2_warning_does_not_flicker_off_and_restart_the_reaction():
    # the system's decision alternates around the warning threshold: one episode, one reaction
    ctrl = AutomationController(AutomationLevel.L2, EgoLimits(), np.random.default_rng(0),
                                DriverConfig(compliance_probability=1.0))
    outs = [ctrl.step(k * DT, -1.5 if k % 2 else -0.8, 0.0, 0.5, degraded=False) for k in range(100)]
    assert ctrl.warnings_issued == 1
    assert all(c.warning for c in outs[1:])  # from the first cycle above the threshold on
    assert any(c.accel_mps2 < 0 for c in outs)  # the driver did start braking
