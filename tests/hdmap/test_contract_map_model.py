"""Model contract: lane lookup by ids and s, speed limits by road coordinate, error text."""

import numpy as np
import pytest

from coop_drive.hdmap import XodrError
from coop_drive.hdmap.map_model import HdMap, Lane, Road, SpeedRecord


def _lane(index, lane_id, s, speed=(), forward=True):
    s = np.asarray(s, dtype=float)
    xy = np.stack([s, np.zeros_like(s)], axis=1)
    return Lane(
        index,
        "7",
        0,
        lane_id,
        None,
        forward,
        xy,
        s,
        np.full(len(s), 3.5),
        np.abs(s - s[0]),
        np.array([0.1, 0.2, 0.3][: len(s)]),
        speed,
    )


def test_speed_limit_records_apply_from_their_s_on():
    ln = _lane(0, -1, [0.0, 100.0], (SpeedRecord(10.0, 5.0), SpeedRecord(50.0, 20.0)))
    assert ln.speed_limit_mps(9.0) == 5.0  # before the first record: the first record
    assert ln.speed_limit_mps(10.0) == 5.0
    assert ln.speed_limit_mps(49.999) == 5.0
    assert ln.speed_limit_mps(50.0 - 1e-10) == 20.0  # within 1 nm of the record: the record
    assert ln.speed_limit_mps(50.0 - 1e-8) == 5.0
    assert ln.speed_limit_mps(50.0) == 20.0 and ln.speed_limit_mps(1e6) == 20.0
    assert _lane(0, -1, [0.0, 1.0]).speed_limit_mps(0.5) is None
    # a record exactly 1 nm ahead still applies (inclusive tolerance)
    tiny = _lane(0, -1, [0.0, 1.0], (SpeedRecord(0.0, 1.0), SpeedRecord(1e-9, 2.0)))
    assert tiny.speed_limit_mps(0.0) == 2.0


def test_lane_properties():
    ln = _lane(0, -1, [0.0, 40.0, 100.0])
    assert ln.length_m == 100.0 and isinstance(ln.length_m, float)
    assert ln.key == ("7", -1)
    assert ln.heading_at_start_rad() == 0.1 and ln.heading_at_end_rad() == 0.3


def _map():
    a = _lane(0, -1, [0.0, 50.0])
    b = _lane(1, -1, [50.0, 100.0])
    c = _lane(2, 1, [100.0, 0.0], forward=False)
    return HdMap("m", "src", {"7": Road("7", "", 100.0, None, [0, 1, 2])}, [a, b, c], {}, {}, {}, None)


def test_lane_lookup_by_section():
    m = _map()
    assert m.lane("7", -1).index == 0  # without s: the first section
    assert m.lane("7", -1, 20.0).index == 0
    assert m.lane("7", -1, 50.0).index == 0  # both contain the shared boundary: the first one
    assert m.lane("7", -1, 50.0 + 1e-9).index == 0  # within the 1 um tolerance of the first's end
    assert m.lane("7", -1, 50.01).index == 1
    assert m.lane("7", -1, 100.0 + 5e-7).index == 1
    assert m.lane("7", -1, 200.0).index == 0  # outside every section: the first
    assert m.lane("7", -1, -5e-7).index == 0
    assert m.lane("7", 1, 30.0).index == 2  # a lane driving against s: its s range is [0, 100]


def test_unknown_lane_is_a_key_error_naming_road_and_lane():
    with pytest.raises(KeyError, match="road 7 has no driving lane 3"):
        _map().lane("7", 3)
    with pytest.raises(KeyError):
        _map().lane("8", -1)


def test_xodr_error_fields_and_text():
    e = XodrError("dir/a.xodr", '<road id="1">', "duplicate road id")
    assert str(e) == 'dir/a.xodr: <road id="1">: duplicate road id'
    assert e.path.name == "a.xodr" and e.element == '<road id="1">' and e.reason == "duplicate road id"
