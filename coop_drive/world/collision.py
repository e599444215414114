"""Collision detection on our own geometry (oriented boxes), independent of the simulator's."""

from __future__ import annotations

from collections.abc import Mapping

from coop_drive.geometry import boxes_overlap
from coop_drive.world.backend import ActorState


def ego_collisions(states: Mapping[str, ActorState], ego_id: str) -> list[str]:
    """Ids of the actors whose footprint overlaps the ego's, sorted."""
    ego = states.get(ego_id)
    if ego is None:
        return []
    ego_box = ego.box()
    return sorted(aid for aid, s in states.items() if aid != ego_id and boxes_overlap(ego_box, s.box()))
