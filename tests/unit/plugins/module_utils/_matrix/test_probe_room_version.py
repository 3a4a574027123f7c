"""federation_probe against a Rocket.Chat native peer's room-version refusal (M_INCOMPATIBLE_ROOM_VERSION)."""
from __future__ import annotations

import pytest

from tests.unit.plugins.module_utils._matrix.fake_homeserver import FakeFederation
from tests.unit.plugins.module_utils._matrix.test_probe import assert_nothing_left, probe


@pytest.mark.parametrize("step", ["invite", "join"])
def test_incompatible_room_version_is_named_with_the_fix(step):
    """A Rocket.Chat native peer (SDK 0.8.0: room versions 3 to 11) refuses a version 12 room with
    M_INCOMPATIBLE_ROOM_VERSION: the probe names the errcode and says where to pin the room version."""
    fed = FakeFederation()
    fed.fault(step, 400, {"errcode": "M_INCOMPATIBLE_ROOM_VERSION", "error": "Room version 12 is not supported",
                          "room_version": "12"})
    result = probe(fed)
    failed = dict((s["name"], s) for s in result["steps"])[step]
    assert result["failed_step"] == step and failed["status"] == "fail"
    assert "M_INCOMPATIBLE_ROOM_VERSION" in failed["detail"]
    for word in ("M_INCOMPATIBLE_ROOM_VERSION: b.example does not support", "room versions 3 to 11",
                 'default_room_version to "11" on a.example', "synapse_default_room_version"):
        assert word in failed["hint"], (word, failed["hint"])
    assert_nothing_left(fed)
