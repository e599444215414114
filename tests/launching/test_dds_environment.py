"""The environment `coop-drive launch` gives its nodes: discovery on this host only, through the project's Fast
DDS profile, on a ROS domain no other launch holds; what the user set wins."""

import xml.etree.ElementTree as ET
from pathlib import Path

from coop_drive.launching.runner import DDS_PROFILE, DOMAINS, dds_environment, reserve_domain

REPO = Path(__file__).resolve().parents[2]
NS = {"f": "http://www.eprosima.com"}


def test_nodes_discover_on_this_host_through_the_profile():
    env = dds_environment({"PATH": "/bin"}, domain=7)
    assert env["ROS_AUTOMATIC_DISCOVERY_RANGE"] == "LOCALHOST" and env["ROS_DOMAIN_ID"] == "7"
    assert Path(env["FASTDDS_DEFAULT_PROFILES_FILE"]) == REPO / DDS_PROFILE and env["PATH"] == "/bin"


def test_what_the_user_set_wins():
    mine = {"ROS_AUTOMATIC_DISCOVERY_RANGE": "SUBNET", "FASTDDS_DEFAULT_PROFILES_FILE": "/x.xml", "ROS_DOMAIN_ID": "3"}
    assert dds_environment(mine, domain=7) == mine


def test_the_profile_is_loopback_udp_with_large_buffers_and_enough_peers():
    root = ET.parse(REPO / DDS_PROFILE).getroot()
    transport = root.find("f:profiles/f:transport_descriptors/f:transport_descriptor", NS)
    assert transport is not None
    assert transport.findtext("f:type", namespaces=NS) == "UDPv4"
    assert transport.findtext("f:interfaceWhiteList/f:address", namespaces=NS) == "127.0.0.1"
    assert int(transport.findtext("f:receiveBufferSize", namespaces=NS) or 0) >= 4 * 2**20
    assert int(transport.findtext("f:maxInitialPeersRange", namespaces=NS) or 0) >= 10  # a stack's participants
    participant = root.find("f:profiles/f:participant", NS)
    assert participant is not None and participant.get("is_default_profile") == "true"


def test_concurrent_launches_get_different_domains_and_a_freed_one_comes_back():
    first, second = reserve_domain(), reserve_domain()
    assert first is not None and second is not None
    assert first[0] != second[0] and {first[0], second[0]} <= set(DOMAINS)
    domain = first[0]
    first[1].close()
    third = reserve_domain()
    assert third is not None and third[0] == domain
    second[1].close()
    third[1].close()
