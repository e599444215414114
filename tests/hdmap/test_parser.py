"""Parsing: ids kept, geometry exact, and bad input named by file, element and reason."""

import math
from pathlib import Path

import numpy as np
import pytest

from coop_drive.hdmap import XodrError, load_map, parse_map

MAPS = Path(__file__).resolve().parents[2] / "maps"
URBAN = MAPS / "urban_intersection.xodr"


def test_urban_intersection_structure():
    m = load_map(URBAN)
    assert sorted(m.roads, key=int) == [str(i) for i in (1, 2, 3, 4, *range(200, 212))]
    assert list(m.junctions) == ["100"]
    assert len(m.junctions["100"].lane_indices) == 12
    assert len(m.lanes) == 4 * 2 + 12
    assert m.geo is not None and "tmerc" in m.geo.proj
    inbound = m.lane("1", -1)
    assert inbound.forward and inbound.length_m == pytest.approx(200.0)
    np.testing.assert_allclose(inbound.xy_m[[0, -1]], [[-210.0, -1.75], [-10.0, -1.75]])
    assert inbound.stop_lines == [(pytest.approx(200.0), "stopline_1")]
    assert sorted(m.lanes[i].road_id for i in inbound.successors) == ["200", "201", "202"]
    outbound = m.lane("2", 1)  # drives against s, away from the junction
    assert not outbound.forward and outbound.successors == []
    np.testing.assert_allclose(outbound.xy_m[[0, -1]], [[10.0, -1.75], [210.0, -1.75]])
    assert [m.lanes[i].key for i in m.lane("200", -1).successors] == [("2", 1)]


def test_right_turn_arc_is_exact():
    lane = load_map(URBAN).lane("201", -1)  # west -> south, lane centre radius 8.25 m about (-10, -10)
    r = np.hypot(lane.xy_m[:, 0] + 10.0, lane.xy_m[:, 1] + 10.0)
    np.testing.assert_allclose(r, 8.25, atol=1e-9)
    assert lane.length_m == pytest.approx(8.25 * math.pi / 2, abs=0.01)  # chord polyline, 1 cm tolerance
    np.testing.assert_allclose(lane.xy_m[-1], [-1.75, -10.0], atol=1e-9)


BAD = [
    (b"<OpenDRIVE><road", "document", "not well-formed XML"),
    (b"<Foo/>", "<Foo>", "root element must be <OpenDRIVE>"),
    (b'<OpenDRIVE><road id="7" length="x"/></OpenDRIVE>', '<road id="7">', "attribute length: expected a number"),
    (b'<OpenDRIVE><road id="7" length="10"><planView><geometry s="0" x="0" y="0" hdg="0" length="10">'
     b'<paramPoly3 aU="0" bU="1" cU="0" dU="0" aV="0" bV="0" cV="0" dV="0"/></geometry></planView></road>'
     b'</OpenDRIVE>', "<paramPoly3>", "unsupported geometry"),
    (b'<OpenDRIVE><road id="7" length="10"><planView><geometry s="0" x="0" y="0" hdg="0" length="10"><line/>'
     b'</geometry></planView></road></OpenDRIVE>', '<road id="7">', "no <lanes>/<laneSection>"),
    (b'<OpenDRIVE><header><geoReference>+proj=nonsense</geoReference></header></OpenDRIVE>',
     "<geoReference>", "not a usable PROJ string"),
]


@pytest.mark.parametrize(("data", "element", "reason"), BAD)
def test_bad_input_names_file_element_and_reason(data, element, reason):
    with pytest.raises(XodrError) as info:
        parse_map(data, "bad.xodr")
    assert str(info.value).startswith("bad.xodr: ")
    assert element in info.value.element
    assert reason in info.value.reason


def test_unknown_link_target(tmp_path):
    text = URBAN.read_text().replace('incomingRoad="1" id="0"', 'incomingRoad="99" id="0"')
    path = tmp_path / "x.xodr"
    path.write_text(text)
    with pytest.raises(XodrError, match=r"x.xodr: <junction id=\"100\"> <connection id=\"\d+\">: unknown road '99'"):
        load_map(path)


def test_missing_file():
    with pytest.raises(XodrError, match="cannot read"):
        load_map(MAPS / "does_not_exist.xodr")
