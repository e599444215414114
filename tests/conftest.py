"""Suite-wide settings.

Property-based tests (hypothesis) run derandomized — the same examples on every run and machine, like every
other test here — with no example database written into the checkout and no per-example deadline (a loaded CI
host must not turn a slow example into a failure).
"""

from hypothesis import settings

settings.register_profile("coop_drive", derandomize=True, database=None, deadline=None, print_blob=True)
settings.load_profile("coop_drive")
