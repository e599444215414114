"""`coop-drive run`: one scenario through the in-process runtime."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from coop_drive import __version__
from coop_drive.bag.recorder import RunRecorder, bag_config
from coop_drive.cli.output import atomic_output_dir, check_output_dir
from coop_drive.eval.metrics import RunMetrics, write_metrics
from coop_drive.harness.run import run_scenario
from coop_drive.hdmap.parser import traffic_light_count
from coop_drive.link.profiles import load_profile
from coop_drive.scenario import Scenario, ScenarioError, Split, load_scenario
from coop_drive.scenario.model import SEED_MAX, AutomationLevel, EgoDriver, Fault, LinkSpec, MapSource
from coop_drive.world.sumo_backend import SumoWorld

BASELINES = ("no-advice", "sumo-glosa")


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options shared by run and compare."""
    parser.add_argument("scenario", type=Path, help="scenario YAML file")
    parser.add_argument("--latency-ms", type=float, default=None, help="link latency [ms] (overrides the file)")
    parser.add_argument("--loss", type=float, default=None, help="link loss probability in [0, 1]")
    parser.add_argument("--seed", type=int, default=None, help="random seed (overrides the file)")
    parser.add_argument("--link-profile", default=None, metavar="NAME",
                        help="named link profile from config/link_profiles.yaml (pc5, 5g-edge, 4g, cloud, ...); "
                             "replaces the file's link, then --latency-ms/--loss override its latency/loss")
    parser.add_argument("--no-latency-compensation", dest="latency_compensation", action="store_false", default=None,
                        help="use received objects as if they were current (no prediction from generation time)")
    parser.add_argument("--level", choices=[lvl.value for lvl in AutomationLevel], default=None,
                        help="SAE automation level of the ego (overrides the file)")
    parser.add_argument("--map", dest="map_source", choices=[m.value for m in MapSource], default=None,
                        help="where the car's HD map comes from: onboard, or mec (MAP messages over the link, "
                             "in the splits with V2X; the onboard split always carries its map); overrides "
                             "vehicle.map")
    parser.add_argument("--baseline", choices=BASELINES, default=None,
                        help="a reference driver on signalised maps: no-advice (SPaT for stopping, no GLOSA "
                             "advice), sumo-glosa (SUMO drives the ego with its glosa device, perfect signal "
                             "timing; coop_drive only measures)")
    parser.add_argument("--fault", action="append", default=None, metavar="KIND@SECONDS",
                        help="inject a fault, e.g. mec-silent@12 (the MEC sends nothing from 12 s); repeatable")


def validate_run_arguments(args: argparse.Namespace, out_is_file: bool = False) -> str | None:
    """An error message for invalid options, else None. ``--out`` names a run directory, or (studies) a file."""
    if args.latency_ms is not None and not args.latency_ms >= 0.0:
        return f"--latency-ms must be >= 0, got {args.latency_ms}"
    if args.loss is not None and not 0.0 <= args.loss <= 1.0:
        return f"--loss must be in [0, 1], got {args.loss}"
    for text in getattr(args, "fault", None) or []:
        try:
            Fault.parse(text)
        except ValueError as exc:
            return f"--fault: {exc}"
    if args.seed is not None and not 0 <= args.seed <= SEED_MAX:
        return f"--seed must be in 0..{SEED_MAX} (SUMO's range), got {args.seed}"
    out = getattr(args, "out", None)
    if out is None:
        return None
    if out_is_file:
        fine = out.parent.is_dir() and not out.is_dir()
        return None if fine else f"--out {out}: expected a file in an existing directory"
    return check_output_dir(out)


def scenario_from_args(args: argparse.Namespace, split: Split | None) -> Scenario:
    """Load the scenario file and apply the command-line overrides (LinkConfigError for a bad profile).

    The cloud splits' link profile is the scenario model's rule (``Scenario.with_overrides``).
    """
    base = load_scenario(args.scenario)
    link = None
    if args.link_profile is not None:
        link = LinkSpec(load_profile(args.link_profile).config, args.link_profile)
    faults = None if not getattr(args, "fault", None) else tuple(Fault.parse(f) for f in args.fault)
    baseline = getattr(args, "baseline", None)
    if baseline is not None and not traffic_light_count(base.map_path):
        raise ScenarioError(base.source_path, "", f"--baseline {baseline} needs a signalised map; "
                                                  f"{base.map_path.name} has no traffic lights")
    return base.with_overrides(
        split=split, latency_ms=args.latency_ms, loss_probability=args.loss, seed=args.seed, link=link,
        latency_compensation=args.latency_compensation,
        level=None if args.level is None else AutomationLevel(args.level), faults=faults,
        ego_driver=EgoDriver.SUMO_GLOSA if baseline == "sumo-glosa" else None,
        map_source=None if getattr(args, "map_source", None) is None else MapSource(args.map_source),
        glosa=False if baseline == "no-advice" else None)


def run_config(scenario: Scenario) -> dict[str, object]:
    """The settings a run used, for run.json and summaries."""
    return {
        "coop_drive_version": __version__,
        "scenario": scenario.name,
        "scenario_file": str(scenario.source_path),
        "split": scenario.split.value,
        "latency_ms": scenario.link.latency_ms,
        "loss": scenario.link.loss_probability,
        "link_profile": scenario.link.profile,
        "link": scenario.link.describe(),
        "seed": scenario.seed,
        "latency_compensation": scenario.latency_compensation,
        "ego_driver": scenario.ego_driver.value,
        "glosa": scenario.glosa,
        "map": scenario.map_source.value,
    }


def execute(scenario: Scenario, out: Path | None) -> RunMetrics:
    """Run a scenario; write metrics.json, run.json and bag/ to out (atomically) if given."""
    if out is None:
        return run_scenario(scenario, SumoWorld())
    with atomic_output_dir(out) as tmp:
        bag = RunRecorder(tmp / "bag", bag_config(scenario, run_config(scenario), "inprocess"))
        try:
            metrics = run_scenario(scenario, SumoWorld(), bag=bag)
        finally:
            bag.close()
        write_metrics(metrics, tmp / "metrics.json")
        (tmp / "run.json").write_text(json.dumps(run_config(scenario), indent=2, sort_keys=True) + "\n",
                                      encoding="utf-8")
    return metrics


def format_summary(scenario: Scenario, metrics: RunMetrics) -> str:
    """A few human-readable lines about one run."""
    m = metrics
    link = "" if scenario.split is Split.ONBOARD else f", {scenario.link.describe()}"
    collision = f"YES at {m.collision_time_s:.2f} s with {m.collision_with}" if m.collision else "no"
    baseline = {EgoDriver.SUMO_GLOSA: ", baseline sumo-glosa"}.get(scenario.ego_driver, "" if scenario.glosa
                                                                      else ", baseline no-advice")
    lines = [
        f"{scenario.name}: split {scenario.split.value}{link}, seed {scenario.seed}{baseline}",
        f"  collision         {collision}",
        f"  min TTC           {m.min_ttc_s:.2f} s",
        f"  min distance      {m.min_distance_m:.2f} m",
        f"  max decel         {m.ego_max_decel_mps2:.2f} m/s^2",
        f"  travel time       {_opt(m.ego_travel_time_s, 's')}",
        f"  stops             {m.stops} ({m.stopped_time_s:.1f} s stopped), fuel {_opt(m.fuel_g, 'g')}, "
        f"RMS jerk {_opt(m.rms_jerk_mps3, 'm/s^3')}",
        f"  V2X frames        {m.v2x_frames_delivered}/{m.v2x_frames_sent} delivered",
        f"  V2X latency p50   {_opt(m.v2x_latency_p50_ms, 'ms')} (p99 {_opt(m.v2x_latency_p99_ms, 'ms')})",
        f"  age of info p50   {_opt(m.aoi_p50_ms, 'ms')} (p99 {_opt(m.aoi_p99_ms, 'ms')})",
        f"  sim/wall time     {m.sim_time_s:.2f} s / {m.wall_time_s:.2f} s",
    ]
    return "\n".join(lines)


def _opt(value: float | None, unit: str) -> str:
    return "-" if value is None else f"{value:.2f} {unit}"
