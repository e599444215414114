"""Recording and replay of coop_drive topics as rosbag2 bags (on the ``rosbags`` library)."""
