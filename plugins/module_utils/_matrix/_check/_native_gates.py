# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Failures peers of Rocket.Chat native federation meet, recognised from a Matrix error, with the fix (pure).

Room versions: ``@rocket.chat/federation-sdk`` 0.8.0 (what Rocket.Chat native runs) supports room versions 3 to 11
(``supportedRoomVersions``) and answers an invite or join for another version with ``M_INCOMPATIBLE_ROOM_VERSION``
(its error class carries ``room_version``). Synapse answers the same errcode when it cannot join a room's version.
"""

from __future__ import annotations

INCOMPATIBLE_ROOM_VERSION = "M_INCOMPATIBLE_ROOM_VERSION"
NATIVE_ROOM_VERSIONS = tuple(str(v) for v in range(3, 12))


def room_version_hint(errcode, creator, joiner):
    """The hint for a request refused with M_INCOMPATIBLE_ROOM_VERSION (an invite or a join), else None."""
    if errcode != INCOMPATIBLE_ROOM_VERSION:
        return None
    return ("%s: %s does not support the room version %s created the room with (Rocket.Chat native federation "
            "supports room versions %s to %s; current Synapse releases create version 12 rooms): pin "
            "default_room_version to \"11\" on %s (synapse role: synapse_default_room_version, \"11\" by default) so "
            "new rooms are created in a version both sides support"
            % (INCOMPATIBLE_ROOM_VERSION, joiner, creator, NATIVE_ROOM_VERSIONS[0], NATIVE_ROOM_VERSIONS[-1], creator))
