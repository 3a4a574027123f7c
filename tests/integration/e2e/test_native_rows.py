"""Native federation rows: Rocket.Chat's own homeserver code (``@rocket.chat/federation-sdk``) federating with Synapse.

D ``rc-native.test`` is a Rocket.Chat 8.6 workspace provisioned by ``fedops.rocketchat.federate`` (settings API
emulator + BIND); its homeserver is the SDK, configured from the settings federate wrote, read back from the API
(tests/peers/native_homeserver.js, state in memory only). B ``org-b.test`` and C ``ext-c.test`` are Synapse servers
the synapse role configured (tests/support/e2e_lab.py ``NativeLab``).

D's side of every row is driven through the SDK calls Rocket.Chat's federation service makes
(ee/packages/federation-matrix/src/FederationMatrix.ts) and observed through the SDK's notifications to Rocket.Chat
(the homeserver.matrix.* events ee/packages/federation-matrix/src/events/*.ts handle); B's side is a Synapse user
through the client-server API. The last tests break one thing each on the provisioned lab, run the rows it guards
and assert they fail, then put it back.
"""
import time
import uuid

import pytest

from tests.integration.e2e.conftest import Side
from tests.support.e2e_lab import B, C, D, NativeLab, new_workdir
from tests.support.e2e_table import RowRecord, write_native_section
from tests.support.native_peer import PeerCallError

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360f8ffff3f0005fe02fea7d6a4e60000000049454e44ae426082")


def _nonce():
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def native_lab():
    lab = NativeLab(new_workdir("e2e-native"))
    try:
        yield lab.start()
    finally:
        lab.stop()


@pytest.fixture(scope="module")
def native_table(native_lab):
    records = []
    yield records
    write_native_section(records, native_lab.timings)


@pytest.fixture
def native_row(request, native_table):
    marker = request.node.get_closest_marker("row")
    number, title = marker.args
    record = RowRecord(number, title)
    start = time.monotonic()
    yield record
    record.duration_s = time.monotonic() - start
    record.outcome = getattr(request.node, "e2e_outcome", "FAIL")
    native_table.append(record)


class Native:
    """D's side: Rocket.Chat users on the SDK homeserver (the users collection is Rocket.Chat's)."""

    def __init__(self, lab):
        self.lab = lab
        self.peer = lab.native
        self.sdk = "federation-sdk %s" % self.peer.state()["sdk_version"]
        self._seen = 0

    def user(self, username):
        return self.peer.call("provision", username=username, name=username.title())["user_id"]

    def call(self, action, **body):
        return self.peer.call(action, **body)

    def receives(self, kind, predicate, what=None, timeout=30):
        entry = self.peer.wait_for(lambda e: e["kind"] == kind and predicate(e["data"]), timeout,
                                   what or kind)
        return entry["data"]

    def saw(self, kind, predicate):
        return any(e["kind"] == kind and predicate(e["data"]) for e in self.peer.events())


def _event(data):
    """The Matrix event inside an SDK notification (the SDK passes {event_id, event, ...} or the event)."""
    return data.get("event") or data


def _member(user_id, membership):
    return lambda d: (_event(d).get("state_key") == user_id
                      and _event(d).get("content", {}).get("membership") == membership)


def _body(text):
    return lambda e: e.get("type") == "m.room.message" and e.get("content", {}).get("body") == text


def _msg(text):
    return lambda d: _event(d).get("content", {}).get("body") == text


@pytest.fixture(scope="module")
def accounts(native_lab):
    class Accounts:
        pass
    a = Accounts()
    a.bob = native_lab.register(B, "bob")
    a.eve = native_lab.register(C, "eve")
    a.native = Native(native_lab)
    a.alice = a.native.user("alice")
    a.dave = a.native.user("dave")
    return a


@pytest.fixture
def sides(native_lab, accounts):
    class Sides:
        pass
    s = Sides()
    s.bob = Side(native_lab, accounts.bob)
    s.d = accounts.native
    s.alice = accounts.alice
    s.lab = native_lab
    s.synapse = "Synapse %s" % native_lab.synapse_version()
    return s


def _room_from_b(sides, row=None):
    """B's bob invites D's alice (over federation), alice accepts through the SDK: the room id."""
    bob, d = sides.bob, sides.d
    room = bob.client.create_room({"preset": "private_chat", "invite": [sides.alice]})
    d.receives("membership", _member(sides.alice, "invite"), "invite of alice")
    if row:
        row.note("invite B -> D (D: %s processInvite; B: %s client API)" % (d.sdk, sides.synapse))
    d.call("accept_invite", username="alice", room_id=room)
    bob.wait_event(room, lambda e: e.get("type") == "m.room.member" and e.get("state_key") == sides.alice
                   and e.get("content", {}).get("membership") == "join", what="alice's join")
    if row:
        row.note("join D -> B (D: %s acceptInvite, make_join/send_join to B)" % d.sdk)
    return room


def _room_from_d(sides, row=None):
    """D's alice creates a room and invites bob over federation; bob joins through D: the room id."""
    bob, d = sides.bob, sides.d
    room = d.call("create_room", username="alice", name="native-" + _nonce(), join_rule="invite")["room_id"]
    d.call("invite", username="alice", room_id=room, user_id=bob.user_id)
    bob.wait_invite(room)
    if row:
        row.note("invite D -> B (D: %s inviteUserToRoom; B: %s client API)" % (d.sdk, sides.synapse))
    bob.join(room, via=[D])
    d.receives("membership", _member(bob.user_id, "join"), "bob's join")
    if row:
        row.note("join B -> D (B: make_join/send_join served by D's SDK)")
    return room


def _messages_both_ways(sides, room, row=None):
    bob, d = sides.bob, sides.d
    text = "from bob " + _nonce()
    event_id = bob.text(room, text)
    got = _event(d.receives("message", _msg(text), "bob's message"))
    assert got.get("sender", bob.user_id) == bob.user_id
    text2 = "from alice " + _nonce()
    sent = d.call("send", username="alice", room_id=room, body=text2)
    seen = bob.wait_event(room, _body(text2), what="alice's message")
    assert seen["sender"] == sides.alice and seen["event_id"] == sent["event_id"]
    if row:
        row.note("message B -> D (D: processIncomingTransaction) and D -> B (D: %s sendMessage)" % d.sdk)
    return event_id, sent["event_id"]


def test_native_lab_is_configured_from_the_settings_federate_wrote(native_lab):
    """The SDK serves the key Rocket.Chat's settings hold (the file federate manages), under the domain from
    Federation_Service_Domain, with the allow list from Federation_Service_Allow_List."""
    import base64  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat  # pylint: disable=import-outside-toplevel
    state = native_lab.native.state()
    store = native_lab.store()
    assert state["server_name"] == D == store.value("Federation_Service_Domain")
    assert store.value("Federation_Service_Enabled") is True
    assert state["allow_list"] == ["*.%s" % B]
    with open(native_lab.signing_key_path, encoding="ascii") as handle:
        algorithm, version, seed = handle.read().split()
    raw = base64.b64decode(seed + "=" * (-len(seed) % 4))
    public = base64.b64encode(Ed25519PrivateKey.from_private_bytes(raw).public_key().public_bytes(
        Encoding.Raw, PublicFormat.Raw)).decode().rstrip("=")
    assert state["key_id"] == "%s:%s" % (algorithm, version)
    assert state["public_key"] == public


@pytest.mark.row(1, "Invite B -> D, join, message both ways")
def test_native_row01_invite_from_synapse(sides, native_row):
    room = _room_from_b(sides, native_row)
    _messages_both_ways(sides, room, native_row)


@pytest.mark.row(2, "Invite D -> B, join, message both ways")
def test_native_row02_invite_from_rocketchat(sides, native_row):
    room = _room_from_d(sides, native_row)
    _messages_both_ways(sides, room, native_row)
