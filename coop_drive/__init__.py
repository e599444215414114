"""coop_drive: cloud/edge-assisted cooperative driving over a latency-injecting link."""

__version__ = "0.1.0"
