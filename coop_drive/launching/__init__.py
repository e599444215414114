"""The XML launch files of launch/, run without the ros2 CLI: parser and process runner."""
