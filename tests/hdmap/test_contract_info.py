"""`coop-drive map info` text: counts, lengths, extent, speeds, geo origin, junctions, signals."""

from pathlib import Path

from coop_drive.hdmap import load_map, parse_map
from coop_drive.hdmap.info import _num, format_info

MAPS = Path(__file__).resolve().parents[2] / "maps"
PROJ = "+proj=tmerc +lat_0=39.9042 +lon_0=116.4074 +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"


def test_urban_intersection_info():
    # lane centre: 8 straight lanes x 200 m + 4 straight crossings x 20 m + 4 right turns (r 8.25) + 4 left
    # turns (r 11.75), each a quarter circle: 1600 + 80 + 4 * 12.96 + 4 * 18.46 = 1805.6 m
    assert format_info(load_map(MAPS / "urban_intersection.xodr")) == "\n".join(
        [
            f"map urban_intersection  ({MAPS / 'urban_intersection.xodr'})",
            "  roads      4 (800.0 m of reference line) + 12 connecting roads in junctions",
            "  lanes      20 driving lanes, 1805.6 m of lane centre",
            "  extent     x -210.0 .. 210.0 m, y -210.0 .. 210.0 m (map frame)",
            "  speed      50 km/h (20 lanes)",
            f"  geo        {PROJ}",
            "             map origin = lon 116.4074000, lat 39.9042000 (WGS84)",
            "  junction   100 'urban_junction': 12 connecting lanes from roads 1, 2, 3, 4; unsignalised",
            "  signals    2 x 206 (stop sign), 4 x 294 (stop line), 2 x 306 (priority road)",
        ]
    )


def test_corridor_info_lists_signal_groups():
    text = format_info(load_map(MAPS / "arterial_corridor.xodr"))
    lines = text.splitlines()
    # arterial 290 + 380 + 330 + 430 + 490 = 1920 m, plus 8 side streets x 150 m = 3120 m
    assert lines[1] == "  roads      13 (3120.0 m of reference line) + 48 connecting roads in junctions"
    assert lines[3] == "  extent     x 0.0 .. 2000.0 m, y -160.0 .. 160.0 m (map frame)"
    assert (
        "  junction   200 'corridor_junction_2': 12 connecting lanes from roads 2, 3, 21, 22; signalised: "
        "4 lights, groups 200_arterial, 200_side"
    ) in lines
    assert lines[-2] == "  signals    16 x 1000001 (traffic light), 16 x 294 (stop line)"
    assert lines[-1] == "  controllers 8 (signal groups)"


ROAD = (
    '<road id="{rid}" length="10" junction="{j}"><planView><geometry s="0" x="{x}" y="0" hdg="0" length="10">'
    '<line/></geometry></planView><lanes><laneSection s="0"><right><lane id="-1" type="driving">'
    '<width sOffset="0" a="4" b="0" c="0" d="0"/>{speed}</lane></right></laneSection></lanes>{sig}</road>'
)


def test_small_map_without_geo_speeds_or_controllers():
    sig = (
        '<signals><signal id="t" s="10" type="1000001" dynamic="yes" orientation="+"/><signal id="o" s="1" '
        'type="999" orientation="+"/></signals>'
    )
    roads = (
        ROAD.format(rid="10", j=-1, x=0, speed="", sig=sig)
        + ROAD.format(rid="x", j=-1, x=20, speed='<speed sOffset="0" max="36" unit="km/h"/>', sig="")
        + ROAD.format(rid="9", j=5, x=10, speed='<speed sOffset="0" max="10" unit="m/s"/>', sig="")
    )
    roads = roads.replace(
        '<lane id="-1" type="driving">', '<lane id="-1" type="driving"><link><successor id="-1"/></link>', 1
    )
    roads = roads.replace(
        'junction="-1"><planView>',
        'junction="-1"><link><successor elementType="junction" elementId="5"/></link><planView>',
        1,
    )
    tail = (
        '<junction id="5" name="j5"><connection id="0" incomingRoad="10" connectingRoad="9" '
        'contactPoint="start"><laneLink from="-1" to="-1"/></connection></junction>'
    )
    m = parse_map(f"<OpenDRIVE>{roads}{tail}</OpenDRIVE>".encode(), "small.xodr")
    assert format_info(m) == "\n".join(
        [
            "map small  (small.xodr)",
            "  roads      2 (20.0 m of reference line) + 1 connecting roads in junctions",
            "  lanes      3 driving lanes, 30.0 m of lane centre",
            "  extent     x 0.0 .. 30.0 m, y -2.0 .. -2.0 m (map frame)",
            "  speed      36 km/h (2 lanes)",
            "  geo        no geoReference",
            "  junction   5 'j5': 1 connecting lanes from roads 10; signalised: 1 lights, groups -",
            "  signals    1 x 1000001 (traffic light), 1 x 999 (other)",
        ]
    )


def test_road_ids_sort_numerically_then_by_name():
    assert sorted(["x", "10", "9", "-2"], key=_num) == ["-2", "9", "10", "x"]
    assert _num("12") == (12, "12") and _num("a1") == (1 << 30, "a1") and _num("X5") == (1 << 30, "X5")


def test_map_without_speeds_or_signals_and_with_two_speed_classes():
    plain = ROAD.format(rid="1", j=-1, x=0, speed="", sig="")
    lines = format_info(parse_map(f"<OpenDRIVE>{plain}</OpenDRIVE>".encode(), "p.xodr")).splitlines()
    assert lines[4] == "  speed      no speed limits" and lines[-1] == "  signals    none"
    # 36.54 km/h is kept to 0.1 km/h: 36.5
    two = ROAD.format(rid="1", j=-1, x=0, speed='<speed sOffset="0" max="36.54" unit="km/h"/>', sig="") + ROAD.format(
        rid="2", j=-1, x=20, speed='<speed sOffset="0" max="50" unit="km/h"/>', sig=""
    )
    lines = format_info(parse_map(f"<OpenDRIVE>{two}</OpenDRIVE>".encode(), "p.xodr")).splitlines()
    assert lines[4] == "  speed      36.5 km/h (1 lanes), 50 km/h (1 lanes)"
