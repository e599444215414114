"""Parser contract on small hand-written OpenDRIVE snippets: geometry, lane offsets and widths, speeds,
sections, links, signals, and every rejection naming file, element and reason."""

import math
from pathlib import Path

import numpy as np
import pytest

from coop_drive.hdmap import XodrError, load_map, parse_map
from coop_drive.hdmap.parser import traffic_light_count

MAPS = Path(__file__).resolve().parents[2] / "maps"

LANE_M1 = '<lane id="-1" type="driving"><width sOffset="0" a="3.5" b="0" c="0" d="0"/></lane>'
LANE_P1 = '<lane id="1" type="driving"><width sOffset="0" a="3.0" b="0" c="0" d="0"/></lane>'


def lane(lid, a=3.5, b=0.0, c=0.0, d=0.0, kind="driving", extra="", s_off=0.0):
    return f'<lane id="{lid}" type="{kind}"><width sOffset="{s_off}" a="{a}" b="{b}" c="{c}" d="{d}"/>{extra}</lane>'


def section(left="", right="", s=0.0):
    return (
        f'<laneSection s="{s}"><left>{left}</left><center><lane id="0" type="none"/></center>'
        f"<right>{right}</right></laneSection>"
    )


def road(rid="1", length=100.0, geom=None, sections=None, extra="", attrs="", lanes_extra="", link=""):
    geom = geom if geom is not None else f'<geometry s="0" x="0" y="0" hdg="0" length="{length}"><line/></geometry>'
    sections = sections if sections is not None else section(LANE_P1, LANE_M1)
    return (
        f'<road id="{rid}" length="{length}" junction="-1" {attrs}>{link}<planView>{geom}</planView>'
        f"<lanes>{lanes_extra}{sections}</lanes>{extra}</road>"
    )


def doc(*roads, header="", tail=""):
    return f"<OpenDRIVE>{header}{''.join(roads)}{tail}</OpenDRIVE>".encode()


def parse(*roads, **kw):
    return parse_map(doc(*roads, **kw), "t.xodr")


def err(data, path="t.xodr"):
    with pytest.raises(XodrError) as info:
        parse_map(data, path)
    return str(info.value)


# -- straight roads, both lane directions ----------------------------------------------------------------


def test_straight_road_right_lane_forward_left_lane_backward():
    m = parse(road())
    right, left = m.lane("1", -1), m.lane("1", 1)
    # right lane centre at t = -3.5 / 2, left lane at t = +3.0 / 2
    assert right.forward and not left.forward
    np.testing.assert_allclose(right.xy_m, [[0.0, -1.75], [100.0, -1.75]])
    np.testing.assert_allclose(left.xy_m, [[100.0, 1.5], [0.0, 1.5]])  # driving order: against s
    np.testing.assert_allclose(right.s_m, [0.0, 100.0])
    np.testing.assert_allclose(left.s_m, [100.0, 0.0])
    np.testing.assert_allclose(right.width_m, [3.5, 3.5])
    np.testing.assert_allclose(left.width_m, [3.0, 3.0])
    np.testing.assert_allclose(right.along_m, [0.0, 100.0])
    np.testing.assert_allclose(left.along_m, [0.0, 100.0])
    np.testing.assert_allclose(right.heading_rad, [0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(left.heading_rad, [-math.pi, -math.pi], atol=1e-12)  # pi, wrapped to [-pi, pi)
    assert right.length_m == 100.0 and left.key == ("1", 1)
    assert right.junction_id is None and right.section == 0
    assert [ln.index for ln in m.lanes] == list(range(len(m.lanes)))
    assert m.roads["1"].lane_indices == [ln.index for ln in m.lanes]
    assert m.roads["1"].length_m == 100.0 and m.roads["1"].junction_id is None
    assert m.name == "t" and m.source == "t.xodr" and m.geo is None and m.junctions == {}


def test_heading_and_position_of_a_diagonal_road():
    # hdg 0.6435 = atan2(3, 4): unit direction (0.8, 0.6), left normal (-0.6, 0.8)
    hdg = math.atan2(3.0, 4.0)
    m = parse(road(length=10.0, geom=f'<geometry s="0" x="1" y="2" hdg="{hdg!r}" length="10"><line/></geometry>'))
    right, left = m.lane("1", -1), m.lane("1", 1)
    # right centre t = -1.75: (1, 2) + (-0.6, 0.8) * -1.75 = (2.05, 0.6); end + 10 * (0.8, 0.6)
    np.testing.assert_allclose(right.xy_m, [[2.05, 0.6], [10.05, 6.6]], atol=1e-12)
    # left centre t = +1.5: (1, 2) + (-0.6, 0.8) * 1.5 = (0.1, 3.2), reversed
    np.testing.assert_allclose(left.xy_m, [[8.1, 9.2], [0.1, 3.2]], atol=1e-12)
    np.testing.assert_allclose(right.heading_rad, hdg, atol=1e-12)
    np.testing.assert_allclose(left.heading_rad, hdg - math.pi, atol=1e-12)


def test_outer_lanes_stack_inner_widths_and_non_driving_lanes_are_skipped():
    left = lane(1, 2.0) + lane(2, 2.5) + lane(3, 1.0, kind="sidewalk")
    right = lane(-1, 3.0, kind="shoulder") + lane(-2, 4.0) + lane(-3, 3.0, kind="driving")
    m = parse(road(sections=section(left, right)))
    assert sorted(ln.lane_id for ln in m.lanes) == [-3, -2, 1, 2]
    # lane 2: t = 2.0 + 2.5 / 2 = 3.25; lane -2: t = -(3.0 + 4.0 / 2) = -5; lane -3: -(3 + 4 + 1.5) = -8.5
    assert m.lane("1", 2).xy_m[0, 1] == pytest.approx(3.25)
    assert m.lane("1", 1).xy_m[0, 1] == pytest.approx(1.0)
    assert m.lane("1", -2).xy_m[0, 1] == pytest.approx(-5.0)
    assert m.lane("1", -3).xy_m[0, 1] == pytest.approx(-8.5)
    assert m.lane("1", -2).width_m[0] == pytest.approx(4.0)


def test_constant_lane_offset_shifts_every_lane():
    m = parse(road(lanes_extra='<laneOffset s="0" a="1.0" b="0" c="0" d="0"/>'))
    assert m.lane("1", -1).xy_m[:, 1] == pytest.approx([-0.75, -0.75])  # 1.0 - 1.75
    assert m.lane("1", 1).xy_m[:, 1] == pytest.approx([2.5, 2.5])  # 1.0 + 1.5
    assert len(m.lane("1", -1).xy_m) == 2  # constant offset and width on a line: one segment


def test_linear_lane_offset_samples_every_metre_and_turns_the_heading():
    m = parse(road(length=10.0, lanes_extra='<laneOffset s="0" a="0" b="0.1" c="0" d="0"/>'))
    right, left = m.lane("1", -1), m.lane("1", 1)
    assert len(right.xy_m) == 11  # 1 m steps on a varying offset
    np.testing.assert_allclose(right.xy_m[:, 0], np.arange(11.0))
    np.testing.assert_allclose(right.xy_m[:, 1], 0.1 * np.arange(11.0) - 1.75, atol=1e-12)
    np.testing.assert_allclose(right.heading_rad, math.atan(0.1), atol=1e-9)  # dt/ds = 0.1
    np.testing.assert_allclose(left.heading_rad, math.atan(0.1) - math.pi, atol=1e-9)
    # along the drifting centre: each 1 m step of s is sqrt(1 + 0.01) m long
    assert right.length_m == pytest.approx(10.0 * math.sqrt(1.01))
    assert left.length_m == pytest.approx(10.0 * math.sqrt(1.01))


def test_offset_records_apply_from_their_s():
    extra = '<laneOffset s="0" a="0" b="0" c="0" d="0"/><laneOffset s="5" a="1" b="0" c="0" d="0"/>'
    right = parse(road(length=10.0, lanes_extra=extra)).lane("1", -1)
    y = dict(zip(np.round(right.s_m, 6), right.xy_m[:, 1], strict=True))
    assert y[4.0] == pytest.approx(-1.75) and y[5.0] == pytest.approx(-0.75) and y[10.0] == pytest.approx(-0.75)


def test_width_polynomial_coefficients():
    # width 3 + 0.1 ds + 0.01 ds^2 + 0.001 ds^3: at ds = 10 that is 3 + 1 + 1 + 1 = 6
    right = lane(-1, 3.0, 0.1, 0.01, 0.001) + lane(-2, 2.0)
    m = parse(road(length=10.0, sections=section(LANE_P1, right)))
    inner, outer = m.lane("1", -1), m.lane("1", -2)
    s = inner.s_m
    w = 3.0 + 0.1 * s + 0.01 * s**2 + 0.001 * s**3
    np.testing.assert_allclose(inner.width_m, w)
    assert inner.width_m[-1] == pytest.approx(6.0)
    np.testing.assert_allclose(inner.xy_m[:, 1], -w / 2)
    np.testing.assert_allclose(outer.xy_m[:, 1], -(w + 1.0))  # outside the inner lane: -(w + 2 / 2)
    np.testing.assert_allclose(outer.width_m, 2.0)
    assert len(inner.xy_m) == 11


def test_width_records_are_piecewise_from_their_s_offset():
    right = (
        '<lane id="-1" type="driving"><width sOffset="5" a="4" b="0" c="0" d="0"/>'
        '<width sOffset="0" a="3" b="0.2" c="0" d="0"/></lane>'
    )
    w = parse(road(length=10.0, sections=section("", right))).lane("1", -1)
    by_s = dict(zip(np.round(w.s_m, 6), w.width_m, strict=True))
    # [0, 5): 3 + 0.2 s; from 5 on: 4 (each record's ds counts from its own start)
    assert by_s[0.0] == pytest.approx(3.0) and by_s[4.0] == pytest.approx(3.8)
    assert by_s[5.0] == pytest.approx(4.0) and by_s[10.0] == pytest.approx(4.0)


def test_second_lane_section_counts_offsets_from_its_start():
    sec0 = section(LANE_P1, lane(-1, 3.5), s=0.0)
    sec1 = section(LANE_P1, lane(-1, 3.0, 0.1), s=40.0)
    m = parse(road(sections=sec0 + sec1))
    a, b = m.lane("1", -1, s_m=10.0), m.lane("1", -1, s_m=70.0)
    assert (a.section, b.section) == (0, 1)
    assert a.s_m[[0, -1]] == pytest.approx([0.0, 40.0]) and b.s_m[[0, -1]] == pytest.approx([40.0, 100.0])
    assert b.width_m[0] == pytest.approx(3.0) and b.width_m[-1] == pytest.approx(3.0 + 0.1 * 60.0)
    assert len(b.xy_m) == 61
    # within a road: the right lane continues into the next section, the left lane into the previous one
    assert a.successors == [] and b.predecessors == []  # no lane links written
    assert m.lane("1", -1) is a  # without s: the first section
    assert m.lane("1", -1, s_m=40.0) is a  # the shared boundary belongs to both; the first wins


def test_lane_links_between_sections_follow_the_driving_direction():
    link_r = '<link><predecessor id="-1"/><successor id="-1"/></link>'
    link_l = '<link><predecessor id="1"/><successor id="1"/></link>'
    sec = section(lane(1, 3.0, extra=link_l), lane(-1, extra=link_r), s=0.0) + section(
        lane(1, 3.0, extra=link_l), lane(-1, extra=link_r), s=50.0
    )
    m = parse(road(sections=sec))
    r0, r1 = m.lane("1", -1, 10.0), m.lane("1", -1, 60.0)
    l0, l1 = m.lane("1", 1, 10.0), m.lane("1", 1, 60.0)
    assert r0.successors == [r1.index] and r1.successors == [] and r1.predecessors == [r0.index]
    assert l1.successors == [l0.index] and l0.successors == [] and l0.predecessors == [l1.index]


def test_left_hand_traffic_drives_the_left_lane_forward():
    m = parse(road(attrs='rule="LHT"'))
    assert m.lane("1", 1).forward and not m.lane("1", -1).forward
    np.testing.assert_allclose(m.lane("1", 1).xy_m, [[0.0, 1.5], [100.0, 1.5]])
    np.testing.assert_allclose(m.lane("1", -1).xy_m, [[100.0, -1.75], [0.0, -1.75]])
    assert parse(road(attrs='rule="lht"')).lane("1", 1).forward  # case-insensitive
    assert not parse(road(attrs='rule="RHT"')).lane("1", 1).forward


# -- curved reference lines ----------------------------------------------------------------------------


def test_arc_lanes_are_concentric_and_within_a_centimetre():
    # a quarter circle to the left, radius 10 about (0, 10): right lane radius 11.75, left lane 8.5
    length = 10.0 * math.pi / 2
    geom = f'<geometry s="0" x="0" y="0" hdg="0" length="{length!r}"><arc curvature="0.1"/></geometry>'
    m = parse(road(length=length, geom=geom))
    right, left = m.lane("1", -1), m.lane("1", 1)
    np.testing.assert_allclose(np.hypot(right.xy_m[:, 0], right.xy_m[:, 1] - 10.0), 11.75, atol=1e-9)
    np.testing.assert_allclose(np.hypot(left.xy_m[:, 0], left.xy_m[:, 1] - 10.0), 8.5, atol=1e-9)
    np.testing.assert_allclose(right.xy_m[0], [0.0, -1.75], atol=1e-9)
    np.testing.assert_allclose(right.xy_m[-1], [11.75, 10.0], atol=1e-9)
    np.testing.assert_allclose(left.xy_m[0], [8.5, 10.0], atol=1e-9)  # the left lane starts at the arc's end
    assert right.heading_rad[0] == pytest.approx(0.0, abs=1e-9)
    assert right.heading_rad[-1] == pytest.approx(math.pi / 2)
    assert left.heading_rad[0] == pytest.approx(-math.pi / 2)
    assert left.heading_rad[-1] == pytest.approx(-math.pi, abs=1e-9) or left.heading_rad[-1] == pytest.approx(
        math.pi, abs=1e-9
    )
    # chords of an arc are shorter than it, by at most the 1 cm chord tolerance per vertex spacing
    assert right.length_m == pytest.approx(11.75 * math.pi / 2, abs=0.01) and right.length_m < 11.75 * math.pi / 2
    assert left.length_m == pytest.approx(8.5 * math.pi / 2, abs=0.01)
    # sagitta of the chord between vertices <= 1 cm: spacing <= sqrt(8 * 0.01 * R_lane)
    spacing = np.diff(right.along_m)
    assert spacing.max() <= math.sqrt(8 * 0.01 * 11.75) + 1e-9
    assert spacing.max() <= 1.0 + 1e-9  # and never longer than 1 m


def test_tight_arc_is_sampled_for_the_chord_tolerance():
    # radius 10; lateral reach counted as widths 3.0 + 3.5 plus 1 m = 7.5 m, so the curvature to sample for is
    # k_lane = 0.1 / (1 - 0.1 * 7.5) = 0.4 and the step sqrt(8 * 0.01 / 0.4) = 0.447 m (< the 1 m cap)
    length = 10.0 * math.pi / 2
    geom = f'<geometry s="0" x="0" y="0" hdg="0" length="{length!r}"><arc curvature="0.1"/></geometry>'
    right = parse(road(length=length, geom=geom)).lane("1", -1)
    n_seg = math.ceil(length / math.sqrt(8 * 0.01 / 0.4))  # ceil(15.708 / 0.4472) = 36
    assert n_seg == 36 and len(right.xy_m) == n_seg + 1
    np.testing.assert_allclose(np.diff(right.s_m), length / n_seg)


def test_gentle_arc_is_sampled_every_metre():
    # radius 100: k_lane = 0.01 / (1 - 0.01 * 7.5) = 0.0108, chord step sqrt(8 * 0.01 / 0.0108) = 2.72 m > 1 m cap
    geom = '<geometry s="0" x="0" y="0" hdg="0" length="10"><arc curvature="0.01"/></geometry>'
    right = parse(road(length=10.0, geom=geom)).lane("1", -1)
    np.testing.assert_allclose(right.s_m, np.arange(11.0), atol=1e-12)


def test_right_turning_arc_and_clockwise_heading():
    length = 10.0 * math.pi / 2
    geom = f'<geometry s="0" x="0" y="0" hdg="0" length="{length!r}"><arc curvature="-0.1"/></geometry>'
    right = parse(road(length=length, geom=geom)).lane("1", -1)
    # centre (0, -10); the right lane is the inner one, radius 10 - 1.75
    np.testing.assert_allclose(np.hypot(right.xy_m[:, 0], right.xy_m[:, 1] + 10.0), 8.25, atol=1e-9)
    assert right.heading_rad[-1] == pytest.approx(-math.pi / 2)
    np.testing.assert_allclose(right.xy_m[-1], [8.25, -10.0], atol=1e-9)


def test_spiral_heading_is_quadratic_and_position_the_clothoid_integral():
    # curvature 0 -> 0.1 over 20 m: heading(s) = 0.1 s^2 / (2 * 20); at the end 1.0 rad
    geom = '<geometry s="0" x="0" y="0" hdg="0" length="20"><spiral curvStart="0" curvEnd="0.1"/></geometry>'
    sec = section("", lane(-1, 2.0))  # lane centre 1 m right of the reference line
    right = parse(road(length=20.0, geom=geom, sections=sec)).lane("1", -1)
    s = np.linspace(0.0, 20.0, 200_001)
    h = 0.1 * s**2 / 40.0
    x_ref = np.concatenate([[0.0], np.cumsum(np.diff(s) * 0.5 * (np.cos(h[1:]) + np.cos(h[:-1])))])
    y_ref = np.concatenate([[0.0], np.cumsum(np.diff(s) * 0.5 * (np.sin(h[1:]) + np.sin(h[:-1])))])
    xe, ye = x_ref[-1] + math.sin(1.0), y_ref[-1] - math.cos(1.0)  # t = -1 along the left normal
    np.testing.assert_allclose(right.xy_m[-1], [xe, ye], atol=2e-4)
    np.testing.assert_allclose(right.xy_m[0], [0.0, -1.0], atol=1e-12)
    assert right.heading_rad[-1] == pytest.approx(1.0, abs=1e-3)
    mid = int(np.argmin(np.abs(right.s_m - 10.0)))
    assert right.heading_rad[mid] == pytest.approx(0.1 * right.s_m[mid] ** 2 / 40.0, abs=1e-3)


def test_reference_line_of_several_pieces():
    geom = (
        '<geometry s="10" x="10" y="0" hdg="0" length="10"><arc curvature="0.05"/></geometry>'
        '<geometry s="0" x="0" y="0" hdg="0" length="10"><line/></geometry>'
    )  # out of order on purpose
    right = parse(road(length=20.0, geom=geom)).lane("1", -1)
    i = int(np.argmin(np.abs(right.s_m - 10.0)))
    assert right.s_m[i] == pytest.approx(10.0)
    np.testing.assert_allclose(right.xy_m[i], [10.0, -1.75], atol=1e-9)
    # the line part is one segment; the arc part (radius 20, lane radius 21.75) is sampled
    assert right.s_m[1] == pytest.approx(10.0)
    np.testing.assert_allclose(np.hypot(right.xy_m[i:, 0] - 10.0, right.xy_m[i:, 1] - 20.0), 21.75, atol=1e-9)


# -- speeds --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "value", "mps"),
    [
        ("km/h", "36", 10.0),  # 36 / 3.6
        ("mph", "10", 4.4704),  # 10 * 0.44704
        ("m/s", "12.5", 12.5),
        (None, "7", 7.0),  # no unit: m/s
    ],
)
def test_lane_speed_units(unit, value, mps):
    u = "" if unit is None else f' unit="{unit}"'
    sec = section("", lane(-1, extra=f'<speed sOffset="0" max="{value}"{u}/>'))
    right = parse(road(sections=sec)).lane("1", -1)
    assert right.speed[0].speed_mps == pytest.approx(mps)
    assert right.speed_limit_mps(50.0) == pytest.approx(mps)


def test_lane_speed_records_from_their_offset_within_the_section():
    spd = '<speed sOffset="30" max="20" unit="m/s"/><speed sOffset="0" max="10" unit="m/s"/>'
    sec = section("", lane(-1, extra=spd), s=20.0)
    sec0 = section("", lane(-1), s=0.0)
    m = parse(road(sections=sec0 + sec))
    ln = m.lane("1", -1, s_m=60.0)
    assert [(r.s_start_m, r.speed_mps) for r in ln.speed] == [(20.0, 10.0), (50.0, 20.0)]  # sorted, + section s
    assert ln.speed_limit_mps(49.0) == 10.0 and ln.speed_limit_mps(50.0) == 20.0
    assert ln.speed_limit_mps(5.0) == 10.0  # before the first record: the first record's limit
    assert m.lane("1", -1, s_m=5.0).speed == ()  # no lane or road speed
    assert m.lane("1", -1, s_m=5.0).speed_limit_mps(5.0) is None


def test_road_type_speed_when_the_lane_has_none():
    types = (
        '<type s="50" type="town"><speed max="72" unit="km/h"/></type><type s="0" type="town">'
        '<speed max="36" unit="km/h"/></type><type s="70" type="rural"/>'
    )
    sec = section(lane(1, 3.0, extra='<speed sOffset="0" max="5"/>'), lane(-1))
    m = parse(road(extra=types, sections=sec))
    right = m.lane("1", -1)
    assert [(r.s_start_m, r.speed_mps) for r in right.speed] == [(0.0, 10.0), (50.0, 20.0)]
    assert right.speed_limit_mps(49.9) == pytest.approx(10.0) and right.speed_limit_mps(50.0) == pytest.approx(20.0)
    assert m.lane("1", 1).speed[0].speed_mps == 5.0  # a lane record wins over the road type


def test_unknown_speed_unit_is_rejected():
    sec = section("", lane(-1, extra='<speed sOffset="0" max="5" unit="knots"/>'))
    msg = err(doc(road(sections=sec)))
    assert msg == (
        't.xodr: <road id="1"> <laneSection s=0.0> <lane id=-1> <speed>: unknown speed unit '
        "'knots' (expected one of km/h, m/s, mph)"
    )
    msg = err(doc(road(extra='<type s="0"><speed max="5" unit="kn"/></type>')))
    assert msg == "t.xodr: <road id=\"1\"> <type><speed>: unknown speed unit 'kn' (expected one of km/h, m/s, mph)"


# -- signals, controllers, junctions ---------------------------------------------------------------------


def _signals(body):
    return f"<signals>{body}</signals>"


def test_signals_validity_and_orientation():
    body = (
        '<signal id="a" s="30" t="-2" type="294" orientation="+"><validity fromLane="-1" toLane="-2"/></signal>'
        '<signal id="b" s="70" type="294" orientation="-"/>'
        '<signal id="c" s="50" type="1000001" dynamic="yes" orientation="none"/>'
        '<signal id="d" s="40" type="206" subtype="10" name="Stop" orientation="+"/>'
    )
    m = parse(road(sections=section(lane(1, 3.0), lane(-1) + lane(-2)), extra=_signals(body)))
    a, b, c = m.signals["a"], m.signals["b"], m.signals["c"]
    assert a.lanes == (-2, -1) and a.t_m == -2.0 and a.s_m == 30.0 and a.road_id == "1"
    assert (b.t_m, b.subtype, b.name, b.dynamic, b.lanes) == (0.0, "-1", "", False, ())
    assert c.dynamic and c.signal_type == "1000001" and c.orientation == "none"
    assert (m.signals["d"].subtype, m.signals["d"].name) == ("10", "Stop")
    r1, r2, l1 = m.lane("1", -1), m.lane("1", -2), m.lane("1", 1)
    assert r1.stop_lines == [(30.0, "a")] and r2.stop_lines == [(30.0, "a")]
    # "-" orientation without validity: lanes driving against s; the stop at s = 70 is 30 m along lane 1
    assert l1.stop_lines == [(pytest.approx(30.0), "b")]
    # a dynamic signal valid on every lane ("none"); a static sign is not a signal of the lane
    assert r1.signal_ids == ["c"] and l1.signal_ids == ["c"] and r2.signal_ids == ["c"]


def test_stop_lines_sorted_along_the_lane_and_out_of_range_signals_ignored():
    body = (
        '<signal id="far" s="80" type="294" orientation="+"/><signal id="near" s="20" type="294" '
        'orientation="+"/><signal id="off" s="150" type="294" orientation="+"/>'
        '<signal id="tl" s="20" type="1000001" dynamic="no" orientation="+"/>'
    )
    m = parse(road(extra=_signals(body)))
    right, left = m.lane("1", -1), m.lane("1", 1)
    assert right.stop_lines == [(20.0, "near"), (80.0, "far")]
    assert right.signal_ids == ["tl"]  # type 1000001 is a traffic light even if not marked dynamic
    assert left.stop_lines == [] and left.signal_ids == []


def test_signal_exactly_at_the_lane_ends_belongs_to_the_lane():
    body = '<signal id="s0" s="0" type="294" orientation="-"/><signal id="s1" s="100" type="294" orientation="+"/>'
    m = parse(road(extra=_signals(body)))
    assert m.lane("1", -1).stop_lines == [(100.0, "s1")]
    assert m.lane("1", 1).stop_lines == [(100.0, "s0")]  # s = 0 is the end of the lane driving against s


def test_controllers_collect_their_signals():
    body = (
        '<signal id="l1" s="90" type="1000001" dynamic="yes" orientation="+"/>'
        '<signal id="l2" s="10" type="1000001" dynamic="yes" orientation="-"/>'
    )
    tail = (
        '<controller id="c1"><control signalId="l1"/><control signalId="l2"/></controller>'
        '<controller id="c2"><control signalId="l2"/></controller>'
    )
    m = parse(road(extra=_signals(body)), tail=tail)
    assert m.controllers == {"c1": ("l1", "l2"), "c2": ("l2",)}
    assert m.signals["l1"].controller_ids == ("c1",)
    assert m.signals["l2"].controller_ids == ("c1", "c2")


def test_traffic_light_count_counts_dynamic_signals():
    assert traffic_light_count(MAPS / "urban_intersection.xodr") == 0
    assert traffic_light_count(MAPS / "arterial_corridor.xodr") == 16


def _junction_map(contact="start"):
    """Road 1 (x 0..100) -> junction 9 via connecting road 5 (x 100..110) -> road 2 (x 110..210)."""
    r1 = road("1", link='<link><successor elementType="junction" elementId="9"/></link>')
    g5 = '<geometry s="0" x="100" y="0" hdg="0" length="10"><line/></geometry>'
    if contact == "end":  # the connecting road drawn backwards: entered at its end, driven on its left lane
        g5 = '<geometry s="0" x="110" y="0" hdg="3.141592653589793" length="10"><line/></geometry>'
        sec5 = section(lane(1, 3.5, extra='<link><predecessor id="1"/></link>'), "")
    else:
        sec5 = section("", lane(-1, extra='<link><successor id="1"/></link>'))
    r5 = road(
        "5",
        length=10.0,
        geom=g5,
        sections=sec5,
        link='<link><predecessor elementType="road" elementId="1"/>'
        '<successor elementType="road" elementId="2" contactPoint="end"/></link>'
        if contact == "start"
        else '<link><successor elementType="road" elementId="1"/>'
        '<predecessor elementType="road" elementId="2" contactPoint="end"/></link>',
    )
    r5 = r5.replace('junction="-1"', 'junction="9"')
    g2 = '<geometry s="0" x="210" y="0" hdg="3.141592653589793" length="100"><line/></geometry>'
    r2 = road(
        "2",
        geom=g2,
        sections=section(lane(1, 3.5), lane(-1)),
        link='<link><successor elementType="junction" elementId="9"/></link>',
    )
    to = -1 if contact == "start" else 1
    junction = (
        f'<junction id="9" name="j"><connection id="0" incomingRoad="1" connectingRoad="5" '
        f'contactPoint="{contact}"><laneLink from="-1" to="{to}"/></connection></junction>'
    )
    return parse(r1, r5, r2, tail=junction)


@pytest.mark.parametrize("contact", ["start", "end"])
def test_junction_connection_and_road_link_successors(contact):
    m = _junction_map(contact)
    conn = m.lane("5", -1 if contact == "start" else 1)
    assert conn.junction_id == "9" and m.roads["5"].junction_id == "9"
    np.testing.assert_allclose(conn.xy_m, [[100.0, -1.75], [110.0, -1.75]], atol=1e-9)
    assert m.lane("1", -1).successors == [conn.index]
    assert conn.predecessors == [m.lane("1", -1).index]
    # the connecting lane ends at road 2's end (contactPoint end), in road 2's lane 1 (driving against s)
    assert conn.successors == [m.lane("2", 1).index]
    assert m.junctions["9"].lane_indices == (conn.index,) and m.junctions["9"].name == "j"


def test_connection_without_a_matching_from_lane_gives_no_successor():
    m = _junction_map("start")
    assert m.lane("2", -1).successors == []  # road 2's right lane drives towards x = 0... its link is junction 9
    assert m.lane("1", 1).successors == []  # driving against s: road 1 has no predecessor


def test_shipped_maps_left_lanes_link_through_junctions():
    m = load_map(MAPS / "arterial_corridor.xodr")
    west = m.lane("2", 1)  # westbound into junction 100
    nxt = sorted(m.lanes[i].key for i in west.successors)
    assert len(nxt) == 3 and all(m.lanes[i].junction_id == "100" for i in west.successors)
    assert west.stop_lines == [(pytest.approx(380.0), "stopline_100_2")]
    assert west.signal_ids == ["light_100_2"]
    assert m.signals["light_100_2"].controller_ids == ("100_arterial",)
    out_w = m.lane("1", 1)
    assert sorted(m.lanes[i].junction_id for i in out_w.predecessors) == ["100"] * 3
    assert out_w.successors == [] and out_w.stop_lines == []


# -- header ----------------------------------------------------------------------------------------------


def test_header_name_and_geo_reference():
    proj = "+proj=tmerc +lat_0=10 +lon_0=20 +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
    m = parse(road(), header=f'<header name="demo"><geoReference> {proj} </geoReference></header>')
    assert m.name == "demo" and m.geo is not None and m.geo.proj == proj
    assert parse(road(), header='<header name=""><geoReference>  </geoReference></header>').name == "t"
    assert parse(road(), header="<header/>").geo is None
    assert parse_map(doc(road())).name == "<memory>" and parse_map(doc(road())).source == "<memory>"


def test_load_map_reads_a_file(tmp_path):
    p = tmp_path / "small_road.xodr"
    p.write_bytes(doc(road()))
    m = load_map(str(p))
    assert m.name == "small_road" and m.source == str(p) and len(m.lanes) == 2


def test_missing_file_names_the_file_and_reason(tmp_path):
    p = tmp_path / "none.xodr"
    with pytest.raises(XodrError) as info:
        load_map(p)
    assert str(info.value) == f"{p}: file: cannot read: No such file or directory"
    assert info.value.path == p and info.value.element == "file"


# -- rejections ------------------------------------------------------------------------------------------

GEOM = '<geometry s="0" x="0" y="0" hdg="0" length="100"><line/></geometry>'

REJECTED = [
    (doc(road().replace('id="1" ', "")), "t.xodr: <road>: missing attribute 'id'"),
    (doc(road(), road()), 't.xodr: <road id="1">: duplicate road id'),
    (doc(road().replace('length="100.0"', "")), "t.xodr: <road id=\"1\">: missing attribute 'length'"),
    (
        doc(road().replace('length="100.0"', 'length="inf"')),
        "t.xodr: <road id=\"1\">: attribute length: expected a finite number, got 'inf'",
    ),
    (
        doc(road().replace('length="100.0"', 'length="nan"')),
        "t.xodr: <road id=\"1\">: attribute length: expected a finite number, got 'nan'",
    ),
    (
        doc(road().replace('length="100.0"', 'length="ten"')),
        "t.xodr: <road id=\"1\">: attribute length: expected a number, got 'ten'",
    ),
    (
        doc(road().replace('length="100.0"', 'length="0.0"')),
        "t.xodr: <road id=\"1\">: attribute length: expected a road length > 0 and <= 1e+07 m, got '0.0'",
    ),
    (
        doc(road(geom=GEOM.replace('x="0"', 'x="2e7"'))),
        "t.xodr: <road id=\"1\"> <geometry s=0>: attribute x: expected within ± 1e+07 m, got '2e7'",
    ),
    (
        doc(road(geom=GEOM.replace('length="100"', 'length="-5"'))),
        "t.xodr: <road id=\"1\"> <geometry s=0>: attribute length: expected 0 to 1e+07 m, got '-5'",
    ),
    (doc(road(geom="")), 't.xodr: <road id="1">: no <planView>/<geometry>'),
    (
        doc(road(geom=GEOM.replace("<line/>", "<line/><line/>"))),
        't.xodr: <road id="1"> <geometry s=0>: expected exactly one of <line>, <arc>, <spiral>',
    ),
    (
        doc(road(geom=GEOM.replace("<line/>", ""))),
        't.xodr: <road id="1"> <geometry s=0>: expected exactly one of <line>, <arc>, <spiral>',
    ),
    (
        doc(road(geom=GEOM.replace("<line/>", '<poly3 a="0" b="0" c="0" d="0"/>'))),
        't.xodr: <road id="1"> <geometry s=0> <poly3>: unsupported geometry (supported: line, arc, spiral)',
    ),
    (doc(road(geom=GEOM.replace(' hdg="0"', ""))), "t.xodr: <road id=\"1\"> <geometry s=0>: missing attribute 'hdg'"),
    (
        doc(road(geom=GEOM.replace("<line/>", "<arc/>"))),
        "t.xodr: <road id=\"1\"> <geometry s=0> <arc>: missing attribute 'curvature'",
    ),
    (
        doc(road(geom=GEOM.replace("<line/>", '<spiral curvStart="0"/>'))),
        "t.xodr: <road id=\"1\"> <geometry s=0> <spiral>: missing attribute 'curvEnd'",
    ),
    (
        doc(road(geom=GEOM.replace("<line/>", '<spiral curvEnd="0"/>'))),
        "t.xodr: <road id=\"1\"> <geometry s=0> <spiral>: missing attribute 'curvStart'",
    ),
    (
        doc(
            road(
                sections='<laneSection s="0"><right><lane id="-1" type="driving"><border sOffset="0" a="1" b="0" '
                'c="0" d="0"/></lane></right></laneSection>'
            )
        ),
        't.xodr: <road id="1"> <laneSection s=0> <lane id=-1> <border>: unsupported (use <width>)',
    ),
    (
        doc(road(sections='<laneSection s="0"><right><lane id="-1" type="driving"/></right></laneSection>')),
        't.xodr: <road id="1"> <laneSection s=0> <lane id=-1>: no <width>',
    ),
    (
        doc(road(sections='<laneSection s="0"><right><lane type="driving"/></right></laneSection>')),
        "t.xodr: <road id=\"1\"> <laneSection s=0> <lane>: missing attribute 'id'",
    ),
    (
        doc(road(sections="<laneSection><right>" + LANE_M1 + "</right></laneSection>")),
        "t.xodr: <road id=\"1\"> <laneSection>: missing attribute 's'",
    ),
    (
        doc(road(sections=section("", lane(-1).replace(' b="0.0"', ""))).replace(' b="0"', "")),
        "t.xodr: <road id=\"1\"> <laneSection s=0.0> <lane id=-1> <width>: missing attribute 'b'",
    ),
    (
        doc(road(lanes_extra='<laneOffset s="0" a="0" b="0" c="0"/>')),
        "t.xodr: <road id=\"1\"> <laneOffset>: missing attribute 'd'",
    ),
    (doc(road(sections=section("", lane(-1, kind="sidewalk")))), "t.xodr: <OpenDRIVE>: no driving lanes"),
    (b"<OpenDRIVE/>", "t.xodr: <OpenDRIVE>: no driving lanes"),
    (
        doc(road(), tail='<controller><control signalId="x"/></controller>'),
        "t.xodr: <controller>: missing attribute 'id'",
    ),
    (
        doc(road(), tail='<controller id="c"><control signalId="x"/></controller>'),
        "t.xodr: <controller id=\"c\">: controls unknown signal 'x'",
    ),
    (
        doc(road(extra='<signals><signal s="1" type="294"/></signals>')),
        "t.xodr: <road id=\"1\"> <signal>: missing attribute 'id'",
    ),
    (
        doc(road(extra='<signals><signal id="q" type="294"/></signals>')),
        't.xodr: <road id="1"> <signal id="q">: missing attribute \'s\'',
    ),
    (
        doc(road(extra='<signals><signal id="q" s="1" type="294"><validity fromLane="-1"/></signal></signals>')),
        't.xodr: <road id="1"> <signal id="q"> <validity>: missing attribute \'toLane\'',
    ),
    (
        doc(road(extra='<type s="0"><speed unit="m/s"/></type>')),
        "t.xodr: <road id=\"1\"> <type><speed>: missing attribute 'max'",
    ),
    (doc(road(extra='<type><speed max="3"/></type>')), "t.xodr: <road id=\"1\"> <type>: missing attribute 's'"),
    (
        doc(road(sections=section("", lane(-1, extra='<speed max="3"/>')))),
        "t.xodr: <road id=\"1\"> <laneSection s=0.0> <lane id=-1> <speed>: missing attribute 'sOffset'",
    ),
    (
        doc(road(link='<link><successor elementType="road" elementId="77"/></link>')),
        "t.xodr: <road id=\"1\"> <link><successor>: unknown road '77'",
    ),
    (
        doc(road(), tail='<junction id="9"><connection id="3" incomingRoad="1" connectingRoad="8"/></junction>'),
        't.xodr: <junction id="9"> <connection id="3">: unknown road \'8\'',
    ),
    (
        doc(
            road(),
            tail='<junction id="9"><connection id="3" incomingRoad="1" connectingRoad="1"><laneLink from="-1"/>'
            "</connection></junction>",
        ),
        't.xodr: <junction id="9"> <connection id="3"> <laneLink>: missing attribute \'to\'',
    ),
    (
        doc(road(), header="<header><geoReference>+proj=longlat +datum=WGS84</geoReference></header>"),
        "t.xodr: <header><geoReference>: not a usable PROJ string (geoReference '+proj=longlat +datum=WGS84' is not a "
        "projected CRS)",
    ),
    (b"<Foo/>", "t.xodr: <Foo>: root element must be <OpenDRIVE>"),
]


@pytest.mark.parametrize(("data", "message"), REJECTED)
def test_rejected_input_message(data, message):
    assert err(data) == message


def test_malformed_xml_message():
    msg = err(b"<OpenDRIVE><road", "m.xodr")
    assert msg.startswith("m.xodr: document: not well-formed XML (") and "line 1" in msg


def test_backward_lane_successor_through_road_predecessor_link():
    # road 2 (x 100..200) has road 1 (x 0..100) as predecessor; road 2's left lane (driving west) ends at
    # road 2's start and continues into road 1's left lane, which it links as its lane predecessor
    r1 = road(
        "1",
        sections=section(lane(1, 3.0), lane(-1, extra='<link><successor id="-1"/></link>')),
        link='<link><successor elementType="road" elementId="2" contactPoint="start"/></link>',
    )
    g2 = '<geometry s="0" x="100" y="0" hdg="0" length="100"><line/></geometry>'
    r2 = road(
        "2",
        geom=g2,
        sections=section(lane(1, 3.0, extra='<link><predecessor id="1"/></link>'), lane(-1)),
        link='<link><predecessor elementType="road" elementId="1" contactPoint="end"/></link>',
    )
    m = parse(r1, r2)
    assert m.lane("1", -1).successors == [m.lane("2", -1).index]
    assert m.lane("2", 1).successors == [m.lane("1", 1).index]
    assert m.lane("2", -1).successors == [] and m.lane("1", 1).successors == []
    assert m.lane("1", 1).predecessors == [m.lane("2", 1).index]


# -- defaults of optional attributes ---------------------------------------------------------------------


def test_optional_road_attributes_default():
    bare = road().replace(' junction="-1"', "")
    m = parse(bare)
    assert m.roads["1"].junction_id is None and m.roads["1"].name == ""
    assert m.lane("1", -1).junction_id is None and m.lane("1", -1).forward  # no rule: right-hand traffic
    named = parse(road(attrs='name="Main Street"').replace('junction="-1"', 'junction=""'))
    assert named.roads["1"].name == "Main Street" and named.roads["1"].junction_id is None


def test_optional_signal_attributes_default():
    m = parse(road(extra=_signals('<signal id="q" s="50"/>')))
    q = m.signals["q"]
    assert (q.orientation, q.signal_type, q.subtype, q.name, q.dynamic, q.t_m) == ("none", "", "-1", "", False, 0.0)
    assert m.lane("1", -1).stop_lines == [] and m.lane("1", 1).signal_ids == []


def test_control_without_signal_id_names_the_empty_id():
    assert err(doc(road(), tail='<controller id="c"><control/></controller>')) == (
        "t.xodr: <controller id=\"c\">: controls unknown signal ''"
    )


def test_junction_and_link_defaults():
    # no contactPoint on the connection (start), no elementType / contactPoint on the road link (road, start),
    # no junction name
    m = _junction_map("start")
    text = doc(
        road("1", link='<link><successor elementType="junction" elementId="9"/></link>'),
        road(
            "5",
            length=10.0,
            geom='<geometry s="0" x="100" y="0" hdg="0" length="10"><line/></geometry>',
            sections=section("", lane(-1, extra='<link><successor id="-1"/></link>')),
            link='<link><predecessor elementType="road" elementId="1"/><successor elementId="2"/></link>',
        ).replace('junction="-1"', 'junction="9"'),
        road("2", geom='<geometry s="0" x="110" y="0" hdg="0" length="100"><line/></geometry>'),
        tail='<junction id="9"><connection id="0" incomingRoad="1" connectingRoad="5"><laneLink from="-1" to="-1"/>'
        "</connection></junction>",
    )
    d = parse_map(text, "t.xodr")
    conn = d.lane("5", -1)
    assert d.lane("1", -1).successors == [conn.index]
    assert conn.successors == [d.lane("2", -1).index]
    assert d.junctions["9"].name == "" and m.junctions["9"].name == "j"


def test_zero_length_lane_section_is_skipped():
    sec = section(LANE_P1, LANE_M1, s=0.0) + section(LANE_P1, LANE_M1, s=0.0)
    m = parse(road(sections=sec))
    assert [(ln.section, ln.lane_id) for ln in m.lanes] == [(1, 1), (1, -1)]
    assert m.lane("1", -1).s_m[[0, -1]] == pytest.approx([0.0, 100.0])


def test_lane_centre_heading_on_a_curve_with_a_widening_lane():
    # reference arc radius 20 (k = 0.05) from (0, 0) heading east; lane -1 widens 3 + 0.1 s, so its centre
    # t(s) = -(3 + 0.1 s) / 2 drifts outward by dt/ds = -0.05: tangent = h + atan2(dt/ds, 1 - t k)
    length = 10.0
    geom = f'<geometry s="0" x="0" y="0" hdg="0" length="{length}"><arc curvature="0.05"/></geometry>'
    right = parse(road(length=length, geom=geom, sections=section("", lane(-1, 3.0, 0.1)))).lane("1", -1)
    s = right.s_m
    t = -(3.0 + 0.1 * s) / 2
    expected = 0.05 * s + np.arctan(-0.05 / (1.0 - t * 0.05))
    np.testing.assert_allclose(right.heading_rad, expected, atol=1e-9)
    # position: centre (0, 20), distance 20 - t from it
    np.testing.assert_allclose(np.hypot(right.xy_m[:, 0], right.xy_m[:, 1] - 20.0), 20.0 - t, atol=1e-9)
    assert right.width_m[-1] == pytest.approx(4.0)


def test_lane_centre_heading_on_a_spiral_with_a_lane_offset():
    # spiral k 0 -> 0.1 over 20 m, laneOffset 0.05 s: lane -1 centre t = 0.05 s - 1.75, dt/ds = 0.05,
    # curvature k(s) = 0.1 s / 20, reference heading 0.1 s^2 / 40
    geom = '<geometry s="0" x="0" y="0" hdg="0" length="20"><spiral curvStart="0" curvEnd="0.1"/></geometry>'
    extra = '<laneOffset s="0" a="0" b="0.05" c="0" d="0"/>'
    right = parse(road(length=20.0, geom=geom, lanes_extra=extra)).lane("1", -1)
    s = right.s_m
    t = 0.05 * s - 1.75
    expected = 0.1 * s**2 / 40.0 + np.arctan(0.05 / (1.0 - t * 0.005 * s))
    np.testing.assert_allclose(right.heading_rad, expected, atol=2e-3)


def test_arc_with_a_lane_offset_is_sampled_for_its_outermost_reach():
    # |laneOffset| 1 + widths 3.0 + 3.5 + 1 = 8.5 m: k_lane = 0.1 / (1 - 0.85) = 0.667, step sqrt(0.08 / 0.667)
    # = 0.346 m, so ceil(15.708 / 0.346) = 46 segments
    length = 10.0 * math.pi / 2
    geom = f'<geometry s="0" x="0" y="0" hdg="0" length="{length!r}"><arc curvature="0.1"/></geometry>'
    extra = '<laneOffset s="0" a="-1" b="0" c="0" d="0"/>'
    right = parse(road(length=length, geom=geom, lanes_extra=extra)).lane("1", -1)
    assert len(right.xy_m) == 47
    np.testing.assert_allclose(np.hypot(right.xy_m[:, 0], right.xy_m[:, 1] - 10.0), 12.75, atol=1e-9)


def test_sections_sample_only_their_own_geometry():
    # a line (s 0..40) then an arc (s 40..60); sections at 0 and 40: the first section is one straight segment
    geom = (
        '<geometry s="0" x="0" y="0" hdg="0" length="40"><line/></geometry>'
        '<geometry s="40" x="40" y="0" hdg="0" length="20"><arc curvature="0.02"/></geometry>'
    )
    sec = section(LANE_P1, LANE_M1, s=0.0) + section(LANE_P1, LANE_M1, s=40.0)
    m = parse(road(length=60.0, geom=geom, sections=sec))
    first, second = m.lane("1", -1, 10.0), m.lane("1", -1, 50.0)
    np.testing.assert_allclose(first.s_m, [0.0, 40.0])
    assert second.s_m[0] == pytest.approx(40.0) and second.s_m[-1] == pytest.approx(60.0)
    assert len(second.s_m) == 21  # 1 m cap on the arc (radius 50)


def test_border_next_to_a_width_is_ignored_and_validity_ranges_merge():
    both = (
        '<lane id="-1" type="driving"><border sOffset="0" a="9" b="0" c="0" d="0"/>'
        '<width sOffset="0" a="3.0" b="0" c="0" d="0"/></lane>'
    )
    body = (
        '<signal id="v" s="10" type="294" orientation="+"><validity fromLane="-1" toLane="-1"/>'
        '<validity fromLane="-2" toLane="-1"/></signal>'
    )
    m = parse(road(sections=section("", both + lane(-2)), extra=_signals(body)))
    assert m.lane("1", -1).xy_m[0, 1] == pytest.approx(-1.5)  # the width, not the border
    assert m.signals["v"].lanes == (-2, -1)
