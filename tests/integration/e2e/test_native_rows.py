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
from tests.support.ansible_run import run_tasks
from tests.support.e2e_table import SDK_VERSION, write_table

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
def feature_table(native_lab):
    """This module's section of the feature table (the conftest's ``row`` records into it)."""
    records = []
    yield records
    write_table("native", records, native_lab.timings, break_results=native_lab.break_results)


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


class Sides:
    """B's bob through Synapse's client API, D's side through the SDK."""

    def __init__(self, lab, accounts):
        self.lab = lab
        self.bob = Side(lab, accounts.bob)
        self.d = accounts.native
        self.alice = accounts.alice
        self.synapse = "Synapse %s" % lab.synapse_version()


@pytest.fixture
def sides(native_lab, accounts):
    return Sides(native_lab, accounts)


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
    # the table's "acted by" names this version (tests/support/e2e_table.py reads it from tests/peers/package.json)
    assert state["sdk_version"] == SDK_VERSION
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


@pytest.mark.row(1, "Invite B -> D, join, message both ways", section="native")
def test_row01_invite_from_synapse(sides, row):
    room = _room_from_b(sides, row)
    _messages_both_ways(sides, room, row)


@pytest.mark.row(2, "Invite D -> B, join, message both ways", section="native")
def test_row02_invite_from_rocketchat(sides, row):
    room = _room_from_d(sides, row)
    _messages_both_ways(sides, room, row)


@pytest.fixture(scope="module")
def shared_room(native_lab, accounts):
    """One room B's bob opened with D's alice, for the rows that need a joined room."""
    return _room_from_b(Sides(native_lab, accounts))


def _relates(event):
    return event.get("content", {}).get("m.relates_to") or {}


@pytest.mark.row(3, "Edit a message, both ways", section="native")
def test_row03_edit(sides, shared_room, row):
    bob, d, room = sides.bob, sides.d, shared_room
    original, mine = _messages_both_ways(sides, room)
    edited = "edited by alice " + _nonce()
    edit_id = d.call("edit", username="alice", room_id=room, event_id=mine, body=edited)["event_id"]
    seen = bob.wait_event(room, lambda e: e["event_id"] == edit_id, what="alice's edit")
    assert _relates(seen) == {"rel_type": "m.replace", "event_id": mine}
    assert seen["content"]["m.new_content"]["body"] == edited
    row.note("edit D -> B (D: %s updateMessage, m.replace)" % d.sdk)
    text = "edited by bob " + _nonce()
    edit = bob.send(room, {"msgtype": "m.text", "body": "* " + text,
                           "m.new_content": {"msgtype": "m.text", "body": text},
                           "m.relates_to": {"rel_type": "m.replace", "event_id": original}})
    got = _event(d.receives("message", lambda x: _event(x).get("event_id", x.get("event_id")) == edit
                            or _relates(_event(x)).get("event_id") == original, "bob's edit"))
    assert _relates(got) == {"rel_type": "m.replace", "event_id": original}
    row.note("edit B -> D (D receives the m.replace message)")


@pytest.mark.row(4, "Redaction (delete a message), both ways", section="native")
def test_row04_redaction(sides, shared_room, row):
    bob, d, room = sides.bob, sides.d, shared_room
    original, mine = _messages_both_ways(sides, room)
    redaction = d.call("redact", room_id=room, event_id=mine)["event_id"]
    seen = bob.wait_event(room, lambda e: e["event_id"] == redaction, what="alice's redaction")
    assert seen["type"] == "m.room.redaction" and (seen.get("redacts") or seen["content"].get("redacts")) == mine
    row.note("redaction D -> B (D: %s redactMessage)" % d.sdk)
    bob_redaction = bob.client.json("PUT", "/_matrix/client/v3/rooms/%s/redact/%s/%s" % (
        _q(room), _q(original), bob.txn()), body={})["event_id"]
    got = d.receives("redaction", lambda x: x.get("event_id") == bob_redaction
                     or _event(x).get("redacts") == original, "bob's redaction")
    assert got
    row.note("redaction B -> D (D emits homeserver.matrix.redaction)")


def _q(value):
    from urllib.parse import quote  # pylint: disable=import-outside-toplevel
    return quote(value, safe="")


@pytest.mark.row(5, "Reaction, both ways", section="native")
def test_row05_reaction(sides, shared_room, row):
    bob, d, room = sides.bob, sides.d, shared_room
    original, mine = _messages_both_ways(sides, room)
    reaction = d.call("react", username="alice", room_id=room, event_id=original, key="\U0001F44D")["event_id"]
    seen = bob.wait_event(room, lambda e: e["event_id"] == reaction, what="alice's reaction")
    assert seen["type"] == "m.reaction"
    assert _relates(seen) == {"rel_type": "m.annotation", "event_id": original, "key": "\U0001F44D"}
    row.note("reaction D -> B (D: %s sendReaction)" % d.sdk)
    bob_reaction = bob.send(room, {"m.relates_to": {"rel_type": "m.annotation", "event_id": mine,
                                                    "key": "\U0001F389"}}, event_type="m.reaction")
    got = _event(d.receives("reaction", lambda x: x.get("event_id") == bob_reaction
                            or _relates(_event(x)).get("event_id") == mine, "bob's reaction"))
    assert _relates(got).get("key") == "\U0001F389"
    row.note("reaction B -> D (D emits homeserver.matrix.reaction)")


def _typing_from_bob(bob, room):
    bob.client.typing(room, bob.user_id, typing=True)


@pytest.mark.row(6, "Typing notification (EDU), Federation_Service_EDU_Process_Typing on", section="native")
def test_row06_typing_on(sides, shared_room, row):
    bob, d, room = sides.bob, sides.d, shared_room
    assert d.peer.state()["edu"]["typing"] is True
    _typing_from_bob(bob, room)
    got = d.receives("typing", lambda x: x["room_id"] == room and x["user_id"] == bob.user_id, "bob typing")
    assert got["typing"] is True
    row.note("m.typing B -> D (D emits homeserver.matrix.typing: processTyping on)")
    assert d.call("typing", username="alice", room_id=room, typing=True) == {"sent": True}
    seen = bob.wait(lambda: next((e for e in bob.ephemeral if e["room_id"] == room and e["type"] == "m.typing"
                                  and sides.alice in e["content"].get("user_ids", [])), None), what="alice typing")
    assert seen
    row.note("m.typing D -> B (D: %s sendTypingNotification)" % d.sdk)


@pytest.mark.row(7, "Typing notification (EDU), Federation_Service_EDU_Process_Typing off", section="native")
def test_row07_typing_off(sides, shared_room, row):
    """With the setting off (written through the settings API, then read back by the homeserver as Rocket.Chat's
    settings watcher does), B's typing EDU is not delivered to Rocket.Chat: a message bob sends after it arrives,
    the typing notification does not."""
    bob, d, room, lab = sides.bob, sides.d, shared_room, sides.lab
    lab.write_setting("Federation_Service_EDU_Process_Typing", False)
    try:
        assert d.call("reload")["edu"]["typing"] is False
        before = len(d.peer.events())
        bob.client.typing(room, bob.user_id, typing=False)
        _typing_from_bob(bob, room)
        text = "after typing " + _nonce()
        bob.text(room, text)
        d.receives("message", _msg(text), "bob's message after typing")
        late = [e for e in d.peer.events()[before:] if e["kind"] == "typing"]
        assert late == [], late
        row.note("m.typing B -> D dropped by D's SDK (processTyping off), the message after it delivered")
        assert d.call("typing", username="alice", room_id=room, typing=True) == {"sent": False}
        row.note("D sends no m.typing (FederationMatrix.notifyUserTyping returns early)")
    finally:
        lab.write_setting("Federation_Service_EDU_Process_Typing", True)
        d.call("reload")


@pytest.mark.row(8, "Media (file upload), both ways", section="native")
def test_row08_media(sides, shared_room, row):
    bob, d, room = sides.bob, sides.d, shared_room
    sent = d.peer.send_file("alice", room, "native.png", "image/png", PNG)
    seen = bob.wait_event(room, lambda e: e["event_id"] == sent["event_id"], what="alice's image")
    assert seen["content"]["url"] == sent["mxc"] and seen["content"]["msgtype"] == "m.image"
    server, media_id = sent["mxc"][len("mxc://"):].split("/", 1)
    assert bob.client.download(server, media_id)[0] == PNG
    row.note("image D -> B (D: %s sendFileMessage; B's Synapse fetched it over federation media/download)" % d.sdk)
    mxc = bob.client.upload(PNG, "image/png", "bob.png")
    name = "bob-%s.png" % _nonce()
    bob.send(room, {"msgtype": "m.image", "body": name, "url": mxc, "info": {"mimetype": "image/png"}})
    got = _event(d.receives("message", _msg(name), "bob's image"))
    assert got["content"]["url"] == mxc
    assert d.peer.download(mxc) == PNG
    row.note("image B -> D (D: %s downloadFromRemoteServer)" % d.sdk)


@pytest.mark.row(9, "A server outside Federation_Service_Allow_List is refused", section="native")
def test_row09_allow_list(native_lab, accounts, row):
    """C's eve invites D's alice: D answers 403 M_FORBIDDEN (isFederationDomainAllowed.ts: the list is
    ``*.org-b.test``), so Synapse C refuses the invite; B is admitted (rows 1-8)."""
    from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._client import MatrixError  # pylint: disable=import-outside-toplevel
    eve = native_lab.client(accounts.eve)
    with pytest.raises(MatrixError) as caught:
        eve.create_room({"preset": "private_chat", "invite": [accounts.alice]})
    assert caught.value.status == 403, caught.value.describe()
    assert not accounts.native.saw("membership", lambda x: _event(x).get("sender") == accounts.eve.user_id)
    row.note("invite C -> D refused by D: 403 M_FORBIDDEN (allow list ``*.org-b.test``)")


@pytest.mark.row(10, "A room version D does not support fails with M_INCOMPATIBLE_ROOM_VERSION", section="native")
def test_row10_room_version(native_lab, accounts, row):
    """Synapse's default room version (12) is newer than Rocket.Chat's homeserver supports: inviting a Rocket.Chat
    user to such a room fails with the named error. The lab pins B's ``default_room_version`` to 11 through the
    synapse role's ``synapse_config_extra`` (rows 1-8)."""
    from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._client import MatrixError  # pylint: disable=import-outside-toplevel
    bob = native_lab.client(accounts.bob)
    with pytest.raises(MatrixError) as caught:
        bob.create_room({"preset": "private_chat", "room_version": "12", "invite": [accounts.alice]})
    assert caught.value.errcode == "M_INCOMPATIBLE_ROOM_VERSION", caught.value.describe()
    row.note("invite to a version 12 room B -> D: %s" % caught.value.describe())


@pytest.mark.row(11, "federation_probe from a Synapse account towards a Rocket.Chat-native account",
                 section="native")
def test_row11_probe(native_lab, accounts, row):
    """Rocket.Chat serves no client-server API, so the probe takes D's account as federation-only: B's side creates
    the room and invites, D's SDK must accept and sign the invite; the steps that need D's client are skipped. A D
    account that does not exist, and C (outside D's allow list), fail at ``invite``."""
    base = {"local": native_lab.probe_account(accounts.bob), "timeout": 20, "total_timeout": 90,
            "fail_on_error": False}
    # one ansible-playbook run, three probes
    tasks = [{"name": name, "fedops.rocketchat.federation_probe": args} for name, args in (
        ("towards alice", dict(base, remote={"user_id": accounts.alice})),
        ("towards nobody", dict(base, remote={"user_id": "@nobody:%s" % D})),
        ("from C", dict(base, local=native_lab.probe_account(accounts.eve), remote={"user_id": accounts.alice})))]
    run = run_tasks(tasks)
    assert run.rc == 0, run.output[-4000:]
    passed, missing, outsider = [r["result"] for r in run.records]
    steps = dict((s["name"], s["status"]) for s in passed["steps"])
    assert passed["ok"] is True, passed["verdict"]
    passing = [n for n, st in steps.items() if st == "pass"]
    assert passing == ["accounts", "create_room", "invite", "invite_received", "cleanup"], steps
    row.note("federation_probe B -> D (federation-only remote): invite accepted and signed by D's SDK; "
             "join/messages skipped (no client API on Rocket.Chat)")
    assert missing["ok"] is False and missing["failed_step"] == "invite", missing["verdict"]
    assert outsider["failed_step"] == "invite" and "403" in outsider["steps"][2]["detail"], outsider["verdict"]
    row.note("probe towards an unknown D user and from C (allow list): fail at invite")


@pytest.mark.row(12, "fedops.rocketchat.check on the Rocket.Chat-native workspace", section="native")
def test_row12_check(native_lab, row):
    """The check playbook looks D up the way a peer does (well-known, SRV _matrix-fed._tcp, TLS, the key server the
    SDK answers) and passes."""
    rc, output = native_lab.play("check", _check_vars(native_lab))
    assert rc == 0, output[-4000:]
    row.note("check.yml: discovery, TLS and key server of D (served by the SDK) OK")


def _check_vars(native_lab):
    return {"federation_check": True,
            "federation_check_nameservers": ["%s:%d" % (native_lab.bind.host, native_lab.bind.port)],
            "federation_check_ca_path": native_lab.ca.cert_path}


# --- breaks: one thing of the provisioned lab broken, the rows it guards fail, then it is put back ----------------
GUARDED = ((1, _room_from_b), (2, _room_from_d))


def _run_guarded(native_lab, accounts, switch, expected):
    """Run rows N1 and N2 (invite each way, join, a message each way) on fresh rooms, each result recorded in the
    table's break results; {row: error or None}."""
    results = {}
    for number, opener in GUARDED:
        sides = Sides(native_lab, accounts)
        start = time.monotonic()
        try:
            _messages_both_ways(sides, opener(sides))
            results[number] = None
        except Exception as exc:  # pylint: disable=broad-except
            results[number] = "%s: %s" % (type(exc).__name__, str(exc).splitlines()[0][:300])
        native_lab.break_results.append((switch, number, expected, "FAIL: %s" % results[number][:140]
                                         if results[number] else "pass", time.monotonic() - start))
    return results


def _assert_broken_then_restored(native_lab, accounts, switch, break_it, restore):
    """Rows N1 and N2 passed before (rows and earlier breaks); with the break they fail, once put back they pass."""
    break_it()
    try:
        broken = _run_guarded(native_lab, accounts, switch, "fail")
    finally:
        restore()
    assert all(broken.values()), "rows passed with the lab broken: %s" % broken
    assert _run_guarded(native_lab, accounts, switch, "pass") == {1: None, 2: None}


def test_native_break_wrong_signing_key_in_settings(native_lab, accounts, feature_table):  # pylint: disable=unused-argument
    """Federation_Service_Matrix_Signing_Key replaced by another key (same key id): Rocket.Chat's homeserver signs
    with a key that is not the identity B learnt for rc-native.test, and B refuses its events and answers."""
    import base64  # pylint: disable=import-outside-toplevel
    import os  # pylint: disable=import-outside-toplevel
    right = native_lab.store().value("Federation_Service_Matrix_Signing_Key")
    wrong = base64.b64encode(os.urandom(32)).decode("ascii").rstrip("=")

    def set_key(value):
        native_lab.write_setting("Federation_Service_Matrix_Signing_Key", value)
        native_lab.native.restart()
        assert native_lab.native.state()["public_key"] != "" and native_lab.store().value(
            "Federation_Service_Matrix_Signing_Key") == value
    _assert_broken_then_restored(native_lab, accounts, "signing_key", lambda: set_key(wrong), lambda: set_key(right))


def _srv_update(native_lab, rdata=None):
    """Delete D's _matrix-fed._tcp SRV record (rdata None) or put ``rdata`` back, with the lab's TSIG key."""
    import dns.query  # pylint: disable=import-outside-toplevel
    import dns.resolver  # pylint: disable=import-outside-toplevel
    import dns.tsigkeyring  # pylint: disable=import-outside-toplevel
    import dns.update  # pylint: disable=import-outside-toplevel
    bind = native_lab.bind
    name = "_matrix-fed._tcp.%s." % D
    keyring = dns.tsigkeyring.from_text({bind.tsig_name: bind.tsig_secret})
    update = dns.update.Update(D, keyring=keyring, keyalgorithm=bind.tsig_algorithm)
    if rdata is None:
        update.delete(name, "SRV")
    else:
        update.replace(name, 300, "SRV", rdata)
    response = dns.query.tcp(update, bind.host, port=bind.port, timeout=10)
    assert response.rcode() == 0, response


def _srv(native_lab):
    import dns.message  # pylint: disable=import-outside-toplevel
    import dns.query  # pylint: disable=import-outside-toplevel
    query = dns.message.make_query("_matrix-fed._tcp.%s." % D, "SRV")
    answer = dns.query.tcp(query, native_lab.bind.host, port=native_lab.bind.port, timeout=10).answer
    return [r.to_text() for rrset in answer for r in rrset]


def test_native_break_srv_record_removed(native_lab, accounts, feature_table):  # pylint: disable=unused-argument
    """Without the _matrix-fed._tcp record federate published, B cannot find rc-native.test (no well-known on port
    443, nothing on 8448). B's Synapse is restarted after each DNS change: it caches SRV answers for their TTL."""
    records = _srv(native_lab)
    assert records == ["10 0 %d %s." % (8443, D)], records

    def remove():
        _srv_update(native_lab)
        assert _srv(native_lab) == []
        native_lab.restart_synapse(B)
        rc, output = native_lab.play("check", _check_vars(native_lab))
        assert rc != 0 and "_matrix-fed._tcp" in output, output[-3000:]

    def restore():
        _srv_update(native_lab, records[0])
        native_lab.restart_synapse(B)
    _assert_broken_then_restored(native_lab, accounts, "srv", remove, restore)


def test_native_break_d_out_of_b_whitelist(native_lab, accounts, feature_table):  # pylint: disable=unused-argument
    """B's federation_domain_whitelist without rc-native.test: B neither sends to nor accepts from D."""
    assert native_lab.homeserver_config(B)["federation_domain_whitelist"] == [B, D]
    _assert_broken_then_restored(
        native_lab, accounts, "whitelist", lambda: native_lab.restart_synapse(B, federation_domain_whitelist=[B]),
        lambda: native_lab.restart_synapse(B))
