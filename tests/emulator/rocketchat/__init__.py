"""A Rocket.Chat REST API emulator, faithful per release to its contract (``CONTRACT.md`` next to this file).

Rocket.Chat itself needs MongoDB and its own bundle, so tests and the local demo run this instead:

    python -m tests.emulator.rocketchat --version 7.10 --port 3000

Version profiles: 5.4, 6.9, 7.10, 7.11, 8.0, 8.6 (see ``profiles.py``). Seeded accounts and their fixed
tokens are listed in ``state.SEED_USERS`` and printed at start-up.
"""
from .profiles import PROFILES, get_profile
from .server import Emulator, EmulatorServer, serve_in_thread
from .state import SEED_USERS
from .totp import totp

__all__ = ["PROFILES", "SEED_USERS", "Emulator", "EmulatorServer", "get_profile", "serve_in_thread", "totp"]
