"""The ROS 2 runtime: one thin rclpy node per component over the ROS-free cores (see docs/ros.md)."""
