"""The harness: the order of one step written once (``order``), the car's and the MEC's cores as per-phase step
functions (``sides``), the link (``link``), and the in-process loop that drives them (``run``). Replay and the
ROS nodes drive the same sides in the same order."""
