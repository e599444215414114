"""Scenario files: the typed model and its validating loader."""

from coop_drive.scenario.loader import ScenarioError, load_scenario
from coop_drive.scenario.model import Scenario, Split

__all__ = ["Scenario", "ScenarioError", "Split", "load_scenario"]
