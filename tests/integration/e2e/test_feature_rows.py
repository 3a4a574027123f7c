"""Every server-side row of Rocket.Chat's federation feature table, over real federation between servers the
collection provisioned (tests/support/e2e_lab.py): A = Rocket.Chat workspace on the Matrix bridge (Synapse +
Rocket.Chat's own bridge library), B = a plain Matrix organisation, C = a server A's allow list shuts out.

"Rocket.Chat receives X" = X reached the bridge library's handlers in a real application service transaction from
A's Synapse. "Rocket.Chat sends X" = the Bridge.ts method Rocket.Chat calls for that action, run by the bridge peer
(tests/peers/bridge.js) through the library's intents with the payload that method builds, Rocket.Chat's markdown,
mention and emoji conversion included. Where Rocket.Chat's application code (UI, avatar job, role mapping) decides
what to call, or where Bridge.ts has no method (creating a channel, searching a directory), the row's "acted by"
entry in tests/support/e2e_table.py says so and names the collection's own client where it stands in.

One lab for the whole module (``--dist loadfile`` keeps this file on one worker); the module writes the feature
table (tests/support/e2e_table.py) when it ends.
"""
import base64
import contextlib
import json
import os
import uuid

import pytest

from tests.integration.e2e.conftest import A, B, C
from tests.support.ansible_run import run_module

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360f8ffff3f0005fe02fea7d6a4e60000000049454e44ae426082")


def _nonce():
    return uuid.uuid4().hex[:8]


def _rel(event):
    return event.get("content", {}).get("m.relates_to") or {}


def _body(text):
    return lambda e: e.get("type") == "m.room.message" and e.get("content", {}).get("body") == text


def _member(user_id, membership):
    return lambda e: (e.get("type") == "m.room.member" and e.get("state_key") == user_id
                      and e.get("content", {}).get("membership") == membership)


def _mxc(uri):
    server, media_id = uri[len("mxc://"):].split("/", 1)
    return server, media_id


def e2e_media_url(uri):
    """The download URL Rocket.Chat's bridge builds for ``uri`` (the bot SDK's mxcToHttp on A)."""
    from tests.support.federation_lab import FED_PORT  # pylint: disable=import-outside-toplevel
    # the homeserver URL is Federation_Matrix_homeserver_url, as matrix_bridge.yml wrote it
    return "https://matrix.%s:%d/_matrix/media/r0/download/%s/" % (A, FED_PORT, _mxc(uri)[0])


def _room_with(sides, creator, *members, **create):
    """``creator`` makes a room inviting ``members`` (over federation when they are remote); every member joins
    through the creator's server. Returns the room id once the creator's side (or, for a Rocket.Chat creator,
    Rocket.Chat's bridge) has seen every join."""
    if creator.account.server == A and not create:
        # Rocket.Chat's own room with these users: Bridge.ts createDirectMessageRoom()
        room_id = sides.lab.bridge.call("create_dm", user_id=creator.user_id,
                                        invitees=[m.user_id for m in members])["room_id"]
    elif creator.account.server == A:
        # a channel: Bridge.ts has no method creating one; the collection's client creates it as the bridged user,
        # then Rocket.Chat invites through Bridge.ts inviteToRoom()
        content = {"preset": "private_chat"}
        content.update(create)
        room_id = creator.client.create_room(content)
        for member in members:
            sides.lab.bridge.call("invite", user_id=creator.user_id, room_id=room_id, invitee=member.user_id)
    else:
        content = {"preset": "private_chat", "invite": [m.user_id for m in members]}
        content.update(create)
        room_id = creator.client.create_room(content)
    for member in members:
        if member.account.server == A:
            sides.bridge.receives(room_id, _member(member.user_id, "invite"), "invite of %s" % member.user_id)
            sides.bridge.join(member.account, room_id)
        else:
            member.wait_invite(room_id)
            member.join(room_id, via=[creator.account.server])
    for member in members:
        if creator.account.server == A:
            sides.bridge.receives(room_id, _member(member.user_id, "join"), "join of %s" % member.user_id)
        else:
            creator.wait_event(room_id, _member(member.user_id, "join"), what="join of %s" % member.user_id)
    return room_id


def test_lab_is_provisioned_by_the_collection(e2e_lab):
    """Each homeserver runs with what the synapse role rendered from the inventory (federation_custom_ca_list, the
    allow list on A, the bridge registration matrix_bridge.yml wrote with legacy authorization); the bridge
    configured itself from the settings matrix_bridge.yml wrote."""
    configs = {name: e2e_lab.homeserver_config(name) for name in e2e_lab.servers}
    for name, config in configs.items():
        assert config["server_name"] == name
        assert config["federation_custom_ca_list"] == [e2e_lab.ca.cert_path]
        rendered = e2e_lab.role_config(name)
        for key in ("federation_custom_ca_list", "ip_range_whitelist", "allow_public_rooms_over_federation",
                    "use_appservice_legacy_authorization", "rc_message"):
            assert config[key] == rendered[key], key
    assert configs[A]["app_service_config_files"] == [e2e_lab.registration_path]
    assert configs[A]["use_appservice_legacy_authorization"] is True
    if "allowlist" not in e2e_lab.breaks:
        assert configs[A]["federation_domain_whitelist"] == [A, B]
    assert "federation_domain_whitelist" not in configs[B]
    state = e2e_lab.bridge.state()
    assert state["domain"] == A and state["registration_id"] == e2e_lab.registration()["id"]


@pytest.mark.row(1, "Direct message 1:1 between a Matrix user and a Rocket.Chat user")
def test_row01_direct_message(sides, row):
    """B's bob opens a direct chat with Rocket.Chat's alice: the is_direct invite reaches Rocket.Chat, alice joins
    through B, and one message crosses in each direction."""
    bob, alice = sides.bob, sides.alice
    room = bob.client.create_room({"preset": "trusted_private_chat", "is_direct": True, "invite": [alice.user_id]})
    invite = sides.bridge.receives(room, _member(alice.user_id, "invite"), "DM invite")
    assert invite["content"].get("is_direct") is True and invite["sender"] == bob.user_id
    row.note("is_direct invite B -> Rocket.Chat")
    sides.bridge.join(alice.account, room)
    bob.wait_event(room, _member(alice.user_id, "join"), what="alice's join")
    row.note("join A -> B")
    text = "hello alice " + _nonce()
    event_id = bob.text(room, text)
    received = sides.bridge.receives(room, _body(text), "bob's message")
    assert received["event_id"] == event_id and received["sender"] == bob.user_id
    reply = "hello bob " + _nonce()
    sides.lab.bridge.call("send", user_id=alice.user_id, room_id=room, msg=reply)
    seen = bob.wait_event(room, _body(reply), what="alice's message")
    assert seen["sender"] == alice.user_id and seen["content"]["formatted_body"] == "<p>%s</p>" % reply
    row.note("message B -> Rocket.Chat and Rocket.Chat -> B")


@pytest.mark.row(2, "Federated channel and multi-user direct message")
def test_row02_channel_and_multi_user_dm(sides, row):
    """A Rocket.Chat channel (public room on A) with B members, one invited and one joining by itself; a
    Rocket.Chat direct message with two B users. Messages reach every member on both sides."""
    alice, bob, carol = sides.alice, sides.bob, sides.carol
    channel = _room_with(sides, alice, bob, preset="public_chat", name="general-" + _nonce())
    carol.join(channel, via=[A])
    sides.bridge.receives(channel, _member(carol.user_id, "join"), "carol's join")
    row.note("channel: invite + join, and a join without invite, B -> A")
    text = "channel news " + _nonce()
    sides.lab.bridge.call("send", user_id=alice.user_id, room_id=channel, msg=text)
    for member in (bob, carol):
        member.wait_event(channel, _body(text), what="channel message")
    answer = "carol answers " + _nonce()
    carol.text(channel, answer)
    sides.bridge.receives(channel, _body(answer), "carol's channel message")
    row.note("channel messages Rocket.Chat -> 2 B users, B -> Rocket.Chat")

    dm = _room_with(sides, alice, bob, carol)
    for member in (bob, carol):
        assert any(e.get("type") == "m.room.member" and e.get("state_key") == member.user_id
                   and e["content"].get("is_direct") for e in member.invites[dm]), member.invites[dm]
    text = "group DM " + _nonce()
    sides.lab.bridge.call("send", user_id=alice.user_id, room_id=dm, msg=text)
    for member in (bob, carol):
        member.wait_event(dm, _body(text), what="multi-user DM message")
    answer = "bob in the group DM " + _nonce()
    bob.text(dm, answer)
    sides.bridge.receives(dm, _body(answer), "bob's group DM message")
    row.note("multi-user DM: is_direct invites to 2 B users, messages both ways")


@pytest.mark.row(3, "Inviting an external user")
def test_row03_invite_external_user(sides, row):
    """Rocket.Chat invites B's bob into an existing room (the invite crosses to B, bob's join comes back), and B's
    carol invites Rocket.Chat's carl into a B room (the invite reaches Rocket.Chat)."""
    alice, bob, carol, carl = sides.alice, sides.bob, sides.carol, sides.carl
    name = "project-" + _nonce()
    room = alice.client.create_room({"preset": "private_chat", "name": name})
    sides.lab.bridge.call("invite", user_id=alice.user_id, room_id=room, invitee=bob.user_id)
    state = bob.wait_invite(room)
    assert any(e["type"] == "m.room.name" and e["content"]["name"] == name for e in state)
    bob.join(room, via=[A])
    sides.bridge.receives(room, _member(bob.user_id, "join"), "bob's join")
    row.note("invite Rocket.Chat -> B (with the room name), join B -> Rocket.Chat")
    b_room = carol.client.create_room({"preset": "private_chat"})
    carol.client.invite(b_room, carl.user_id)
    invite = sides.bridge.receives(b_room, _member(carl.user_id, "invite"), "invite of carl")
    assert invite["sender"] == carol.user_id
    sides.bridge.join(carl.account, b_room)
    carol.wait_event(b_room, _member(carl.user_id, "join"), what="carl's join")
    row.note("invite B -> Rocket.Chat, join Rocket.Chat -> B")


@pytest.mark.row(4, "Searching public rooms of the other server", ui_only=True)
def test_row04_public_room_directory(sides, row):
    """Rocket.Chat's "search federated rooms" dialog is UI; it sends a room directory query to the other server.
    B's bob finds a public Rocket.Chat room in A's directory, and Rocket.Chat (as alice) finds a B room in B's
    directory, each answered over federation (/publicRooms?server=...), then joins it."""
    alice, bob = sides.alice, sides.bob
    tag = _nonce()
    a_room = alice.client.create_room({"preset": "public_chat", "visibility": "public", "name": "rc-lobby-" + tag})
    local = alice.client.json("POST", "/_matrix/client/v3/publicRooms",
                              body={"filter": {"generic_search_term": "rc-lobby-" + tag}, "limit": 10})
    assert [r["room_id"] for r in local["chunk"]] == [a_room], local  # published in A's own directory
    found = bob.client.json("POST", "/_matrix/client/v3/publicRooms", query={"server": A},
                            body={"filter": {"generic_search_term": "rc-lobby-" + tag}, "limit": 10})
    assert [r["room_id"] for r in found["chunk"]] == [a_room], found
    bob.join(a_room, via=[A])
    sides.bridge.receives(a_room, _member(bob.user_id, "join"), "bob's join from the directory")
    row.note("directory query B -> A (Rocket.Chat room found), join")
    b_room = bob.client.create_room({"preset": "public_chat", "visibility": "public", "name": "b-square-" + tag})
    found = alice.client.json("POST", "/_matrix/client/v3/publicRooms", query={"server": B},
                              body={"filter": {"generic_search_term": "b-square-" + tag}, "limit": 10})
    assert [r["room_id"] for r in found["chunk"]] == [b_room], found
    # no invite to follow: Bridge.ts joinRoom() names the server the directory came from
    sides.lab.bridge.call("join", user_id=alice.user_id, room_id=b_room, via=[B])
    bob.wait_event(b_room, _member(alice.user_id, "join"), what="alice's join from the directory")
    row.note("directory query Rocket.Chat -> B (B room found), join")


@pytest.mark.row(5, "Attachments (media upload, remote download)")
def test_row05_attachments(sides, row):
    """Rocket.Chat sends a file (Bridge.ts sendMessageFileToRoom: upload on A, m.file with filename and info); B's
    bob downloads it through B (B fetches it from A over federation). Bob uploads an image to B; Rocket.Chat gets the
    event and downloads the image as Bridge.ts getReadStreamForFileFromUrl does (A's unauthenticated media download
    URL from the bot SDK's mxcToHttp). That URL serves A's own media (the lab turns A's authenticated media off, as a
    bridge workspace needs); for B's media A asks B on the unauthenticated federation path, which a Synapse with
    authenticated media (its default) refuses: the row pins that 404, a gap of Rocket.Chat's bridge, and shows the
    image crossing through A with an authenticated download. Guarded by media federation: FEDOPS_E2E_BREAK=media
    makes this row fail."""
    alice, bob = sides.alice, sides.bob
    room = _room_with(sides, alice, bob)
    payload = ("report %s\n" % _nonce()).encode() * 200
    sent = sides.lab.bridge.call("file", user_id=alice.user_id, room_id=room, filename="report.txt",
                                 mimetype="text/plain", content_b64=base64.b64encode(payload).decode())
    event = bob.wait_event(room, lambda e: e.get("event_id") == sent["event_id"], what="the file message")
    content = event["content"]
    assert content["url"].startswith("mxc://%s/" % A) and content["msgtype"] == "m.file"
    assert content["filename"] == content["body"] == "report.txt"
    assert content["info"] == {"size": len(payload), "mimetype": "text/plain"}
    data, endpoint = bob.client.download(*_mxc(content["url"]))
    assert data == payload and endpoint == "client/v1"
    own = sides.lab.bridge.call("download", user_id=alice.user_id, url=content["url"])
    assert own["status"] == 200 and base64.b64decode(own["content_b64"]) == payload, own["status"]
    row.note("file %d B (Rocket.Chat's m.file): upload on A, download through B and by Rocket.Chat" % len(payload))
    image = PNG + _nonce().encode()
    b_uri = bob.client.upload(image, "image/png", "pixel.png")
    bob.send(room, {"msgtype": "m.image", "body": "pixel.png", "url": b_uri, "info": {"mimetype": "image/png"}})
    received = sides.bridge.receives(room, lambda e: e.get("content", {}).get("url") == b_uri, "bob's image")
    assert received["content"]["msgtype"] == "m.image"
    # Rocket.Chat's download first: once A holds a copy (an authenticated fetch cached it), A serves it to anyone
    fetched = sides.lab.bridge.call("download", user_id=alice.user_id, url=b_uri)
    assert fetched["url"].startswith(e2e_media_url(b_uri)), fetched["url"]
    assert fetched["status"] == 404, fetched["status"]
    data, _endpoint = alice.client.download(*_mxc(b_uri))
    assert data == image
    row.note("image: upload on B, event to Rocket.Chat, authenticated download through A by "
             "the collection's client; GAP: Rocket.Chat's own download (media/r0, no token) answers 404, B serves "
             "authenticated media only")


@pytest.mark.row(6, "Editing a message (m.replace)")
def test_row06_edit(sides, row):
    """Edits are m.replace relations: bob's edit reaches Rocket.Chat with the new content; Rocket.Chat's edit
    (Bridge.ts updateMessage: m.new_content with Rocket.Chat's HTML) reaches bob."""
    alice, bob = sides.alice, sides.bob
    room = _room_with(sides, alice, bob)
    original = bob.text(room, "tpyo " + _nonce())
    new = "typo fixed " + _nonce()
    bob.text(room, "* " + new, **{"m.new_content": {"msgtype": "m.text", "body": new},
                                  "m.relates_to": {"rel_type": "m.replace", "event_id": original}})
    edit = sides.bridge.receives(room, lambda e: _rel(e).get("rel_type") == "m.replace", "bob's edit")
    assert _rel(edit)["event_id"] == original and edit["content"]["m.new_content"]["body"] == new
    row.note("m.replace B -> Rocket.Chat")
    mine = sides.lab.bridge.call("send", user_id=alice.user_id, room_id=room, msg="draft " + _nonce())["event_id"]
    bob.wait_event(room, lambda e: e.get("event_id") == mine, what="alice's message")
    final = "final *" + _nonce() + "*"
    sides.lab.bridge.call("edit", user_id=alice.user_id, room_id=room, event_id=mine, msg=final)
    seen = bob.wait_event(room, lambda e: _rel(e).get("rel_type") == "m.replace" and _rel(e)["event_id"] == mine,
                          what="alice's edit")
    html = "<p>final <em>%s</em></p>" % final[7:-1]
    assert seen["content"]["body"] == " * " + final
    assert seen["content"]["m.new_content"] == {"body": final, "format": "org.matrix.custom.html",
                                                "formatted_body": html, "msgtype": "m.text"}
    row.note("m.replace Rocket.Chat -> B (m.new_content with Rocket.Chat's HTML)")


@pytest.mark.row(7, "Deleting a message (redaction)")
def test_row07_delete(sides, row):
    """Deleting is a redaction: bob's reaches Rocket.Chat naming the message; Rocket.Chat's (Bridge.ts
    redactEvent) reaches bob, and B then serves alice's message without its body."""
    from urllib.parse import quote  # pylint: disable=import-outside-toplevel
    alice, bob = sides.alice, sides.bob
    room = _room_with(sides, alice, bob)
    gone = bob.text(room, "oops " + _nonce())
    sides.bridge.receives(room, lambda e: e.get("event_id") == gone, "bob's message")
    bob.client.json("PUT", "/_matrix/client/v3/rooms/%s/redact/%s/%s" % (
        quote(room, safe=""), quote(gone, safe=""), bob.txn()), body={"reason": "e2e"})
    redaction = sides.bridge.receives(room, lambda e: e.get("type") == "m.room.redaction", "bob's redaction")
    assert (redaction.get("redacts") or redaction["content"].get("redacts")) == gone
    row.note("redaction B -> Rocket.Chat")
    mine = sides.lab.bridge.call("send", user_id=alice.user_id, room_id=room, msg="secret " + _nonce())["event_id"]
    bob.wait_event(room, lambda e: e.get("event_id") == mine, what="alice's message")
    sides.lab.bridge.call("redact", user_id=alice.user_id, room_id=room, event_id=mine)
    seen = bob.wait_event(room, lambda e: e.get("type") == "m.room.redaction" and e["sender"] == alice.user_id,
                          what="alice's redaction")
    assert (seen.get("redacts") or seen["content"].get("redacts")) == mine
    stored = bob.client.json("GET", "/_matrix/client/v3/rooms/%s/event/%s" % (quote(room, safe=""),
                                                                              quote(mine, safe="")))
    assert stored["content"] == {}
    row.note("redaction Rocket.Chat -> B (B drops the body)")


@pytest.mark.row(8, "Quoting a message (reply, m.in_reply_to)")
def test_row08_quote(sides, row):
    """Rocket.Chat's quote over the bridge is a reply (Bridge.ts sendReplyToMessage: m.in_reply_to plus the
    RichReply fallback in body and formatted_body); bob's reply reaches Rocket.Chat."""
    alice, bob = sides.alice, sides.bob
    room = _room_with(sides, alice, bob)
    quoted = sides.lab.bridge.call("send", user_id=alice.user_id, room_id=room,
                                   msg="quote me " + _nonce())["event_id"]
    bob.wait_event(room, lambda e: e.get("event_id") == quoted, what="alice's message")
    bob.text(room, "> quote me\n\nquoted!", **{"m.relates_to": {"m.in_reply_to": {"event_id": quoted}}})
    reply = sides.bridge.receives(room, lambda e: _rel(e).get("m.in_reply_to"), "bob's reply")
    assert _rel(reply)["m.in_reply_to"]["event_id"] == quoted
    row.note("reply B -> Rocket.Chat")
    bobs = bob.text(room, "and quote me " + _nonce())
    sides.bridge.receives(room, lambda e: e.get("event_id") == bobs, "bob's message")
    answer = "quoting **bob** " + _nonce()
    sides.lab.bridge.call("reply", user_id=alice.user_id, room_id=room, event_id=bobs, original_sender=bob.user_id,
                          msg=answer)
    seen = bob.wait_event(room, lambda e: (_rel(e).get("m.in_reply_to") or {}).get("event_id") == bobs,
                          what="alice's reply")
    content = seen["content"]
    assert seen["sender"] == alice.user_id and content["format"] == "org.matrix.custom.html"
    assert content["body"].startswith("> <%s>" % bob.user_id) and content["body"].endswith("\n\n" + answer)
    assert content["formatted_body"].startswith("<mx-reply>") and bobs in content["formatted_body"]
    assert "<strong>bob</strong>" in content["formatted_body"].split("</mx-reply>", 1)[1]
    row.note("reply Rocket.Chat -> B (m.in_reply_to, RichReply fallback)")


@pytest.mark.row(9, "Reactions")
def test_row09_reactions(sides, row):
    """m.reaction annotations: bob's reaches Rocket.Chat; Rocket.Chat's (Bridge.ts sendMessageReaction, the
    :rocket: shortname converted to unicode) reaches bob, both keyed to the message."""
    alice, bob = sides.alice, sides.bob
    room = _room_with(sides, alice, bob)
    target = sides.lab.bridge.call("send", user_id=alice.user_id, room_id=room,
                                   msg="react to me " + _nonce())["event_id"]
    bob.wait_event(room, lambda e: e.get("event_id") == target, what="alice's message")
    bob.send(room, {"m.relates_to": {"rel_type": "m.annotation", "event_id": target, "key": "\U0001F44D"}},
             "m.reaction")
    reaction = sides.bridge.receives(room, lambda e: e.get("type") == "m.reaction", "bob's reaction")
    assert _rel(reaction) == {"rel_type": "m.annotation", "event_id": target, "key": "\U0001F44D"}
    row.note("m.reaction B -> Rocket.Chat")
    bobs = bob.text(room, "and me " + _nonce())
    sides.bridge.receives(room, lambda e: e.get("event_id") == bobs, "bob's message")
    sides.lab.bridge.call("react", user_id=alice.user_id, room_id=room, event_id=bobs, reaction=":rocket:")
    seen = bob.wait_event(room, lambda e: e.get("type") == "m.reaction" and e["sender"] == alice.user_id,
                          what="alice's reaction")
    assert _rel(seen) == {"rel_type": "m.annotation", "event_id": bobs, "key": "\U0001F680"}
    row.note("m.reaction Rocket.Chat -> B (:rocket: as unicode)")


@pytest.mark.row(10, "Mentions of internal and external users", ui_only=True)
def test_row10_mentions(sides, row):
    """Rocket.Chat mentions external bob and internal carl the way its users type them (@bob:org-b.test,
    @carl.rc); Bridge.ts sendMessage turns them into matrix.to mention pills in formatted_body (it sends no
    m.mentions), and B's push rules highlight the message for bob. Bob mentions alice (external for B) and carol
    (internal to B) with m.mentions: Rocket.Chat receives both ids."""
    alice, bob, carol, carl = sides.alice, sides.bob, sides.carol, sides.carl
    room = _room_with(sides, alice, bob, carol)
    tag = _nonce()
    text = "%s and @%s, look %s" % (bob.user_id, carl.user_id[1:].split(":")[0], tag)
    mention = sides.lab.bridge.call("send", user_id=alice.user_id, room_id=room, msg=text)["event_id"]
    seen = bob.wait_event(room, lambda e: e.get("event_id") == mention, what="alice's mention")
    html = seen["content"]["formatted_body"]
    for user_id in (bob.user_id, carl.user_id):
        assert 'href="https://matrix.to/#/%s"' % user_id in html, html
    assert "m.mentions" not in seen["content"]

    def highlighted():
        notes = bob.client.json("GET", "/_matrix/client/v3/notifications", query={"limit": "20"})["notifications"]
        return next((n for n in notes if n["event"]["event_id"] == mention), None)
    from tests.support.procs import wait_until  # pylint: disable=import-outside-toplevel
    note = wait_until(highlighted, 20, "bob's notification for the mention")
    assert any(isinstance(a, dict) and a.get("set_tweak") == "highlight" and a.get("value", True)
               for a in note["actions"]), note["actions"]
    row.note("mention pills Rocket.Chat -> B (external + internal users; B highlights for bob)")
    text = "alice and carol " + _nonce()
    bob.text(room, text, format="org.matrix.custom.html",
             formatted_body='<a href="https://matrix.to/#/%s">alice</a> and <a href="https://matrix.to/#/%s">carol</a>'
                            % (alice.user_id, carol.user_id),
             **{"m.mentions": {"user_ids": [alice.user_id, carol.user_id]}})
    received = sides.bridge.receives(room, _body(text), "bob's mention")
    assert received["content"]["m.mentions"]["user_ids"] == [alice.user_id, carol.user_id]
    assert alice.user_id in received["content"]["formatted_body"]
    row.note("m.mentions B -> Rocket.Chat (external + internal ids)")


@pytest.mark.row(11, "Avatar synchronisation (profile + media over federation)")
def test_row11_avatar(sides, row):
    """Rocket.Chat sets alice's avatar (Bridge.ts uploadContent with the file's name and type, then setUserAvatar;
    when to do it is Rocket.Chat's avatar job, not in the library): B's bob gets the new member event, reads her
    profile through B and downloads the picture through B. Bob's new avatar reaches Rocket.Chat in his member
    event. Rocket.Chat's getUserProfileInformation (through the remote user's intent) and its unauthenticated
    picture download do not get it: the row pins both gaps and shows the picture crossing through A."""
    from urllib.parse import quote  # pylint: disable=import-outside-toplevel
    alice, bob = sides.alice, sides.bob
    room = _room_with(sides, alice, bob)
    picture = PNG + b"alice" + _nonce().encode()
    uri = sides.lab.bridge.call("avatar", user_id=alice.user_id, name="alice.png", type="image/png",
                                content_b64=base64.b64encode(picture).decode())["url"]
    member = bob.wait_event(room, lambda e: _member(alice.user_id, "join")(e) and e["content"].get("avatar_url") == uri,
                            what="alice's avatar member event")
    assert member["sender"] == alice.user_id
    profile = bob.client.json("GET", "/_matrix/client/v3/profile/%s" % quote(alice.user_id, safe=""))
    assert profile["avatar_url"] == uri
    assert bob.client.download(*_mxc(uri))[0] == picture
    row.note("avatar Rocket.Chat -> B: member event, profile query, picture download")
    b_picture = PNG + b"bob" + _nonce().encode()
    b_uri = bob.client.upload(b_picture, "image/png", "bob.png")
    bob.client.json("PUT", "/_matrix/client/v3/profile/%s/avatar_url" % quote(bob.user_id, safe=""),
                    body={"avatar_url": b_uri})
    sides.bridge.receives(room, lambda e: _member(bob.user_id, "join")(e) and e["content"].get("avatar_url") == b_uri,
                          "bob's avatar member event")
    # Rocket.Chat asks through the intent of the remote user, which A refuses; Bridge.ts answers nothing
    assert sides.lab.bridge.call("profile", user_id=bob.user_id) == {}
    fetched = sides.lab.bridge.call("download", user_id=alice.user_id, url=b_uri)
    assert fetched["status"] == 404, fetched["status"]
    assert alice.client.download(*_mxc(b_uri))[0] == b_picture
    row.note("avatar B -> Rocket.Chat: member event with avatar_url, picture through A by the collection's client; "
             "GAP: Rocket.Chat's getUserProfileInformation answers nothing for a remote user, and its own picture "
             "download answers 404 (B serves authenticated media only)")


@pytest.mark.row(12, "Typing indicator reaching the bridge (ephemeral events)")
def test_row12_typing(sides, row):
    """B's bob types: A's Synapse pushes m.typing to Rocket.Chat's bridge (onEphemeralEvent), which needs the
    registration's push_ephemeral and Federation_Matrix_enable_ephemeral_events (one switch in matrix_bridge.yml).
    Rocket.Chat's alice types (Bridge.ts notifyUserTyping): bob sees it. Guarded: FEDOPS_E2E_BREAK=ephemeral makes
    this row fail."""
    alice, bob = sides.alice, sides.bob
    room = _room_with(sides, alice, bob)
    bob.client.typing(room, bob.user_id, True)
    typing = sides.bridge.receives(room, lambda e: e.get("type") == "m.typing"
                                   and bob.user_id in e.get("content", {}).get("user_ids", []),
                                   "bob typing", timeout=20, handler="onEphemeralEvent")
    assert typing["room_id"] == room
    row.note("m.typing B -> A -> Rocket.Chat (ephemeral transaction)")
    sides.lab.bridge.call("typing", user_id=alice.user_id, room_id=room, typing=True)
    bob.wait(lambda: next((e for e in bob.ephemeral if e["room_id"] == room and e["type"] == "m.typing"
                           and alice.user_id in e["content"]["user_ids"]), None), what="alice typing")
    row.note("m.typing Rocket.Chat -> B")


@pytest.mark.row(13, "Permissions inside rooms (power levels)")
def test_row13_power_levels(sides, row):
    """In Rocket.Chat's direct room (createDirectMessageRoom, private_chat) bob has level 0 and B refuses his topic
    change. Rocket.Chat raises him to 50 (Bridge.ts setRoomPowerLevels: intent.setPowerLevel as the owner; which
    Rocket.Chat role maps to 50 is its application code); then B accepts his change and it reaches Rocket.Chat."""
    from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._client import MatrixError  # pylint: disable=import-outside-toplevel
    alice, bob = sides.alice, sides.bob
    room = _room_with(sides, alice, bob)
    with pytest.raises(MatrixError) as refused:
        bob.put_state(room, "m.room.topic", {"topic": "bob was here"})
    assert refused.value.status == 403
    row.note("B refuses bob's topic at level 0 (403)")
    sides.lab.bridge.call("power", user_id=alice.user_id, room_id=room, target=bob.user_id, level=50)
    raised = bob.wait_event(room, lambda e: e.get("type") == "m.room.power_levels"
                            and e["content"].get("users", {}).get(bob.user_id) == 50, what="the raised power levels")
    assert raised["sender"] == alice.user_id
    topic = "bob moderates " + _nonce()
    bob.put_state(room, "m.room.topic", {"topic": topic})
    received = sides.bridge.receives(room, lambda e: e.get("type") == "m.room.topic", "bob's topic")
    assert received["content"]["topic"] == topic and received["sender"] == bob.user_id
    row.note("level 50 Rocket.Chat -> B (setPowerLevel); bob's topic B -> Rocket.Chat")


@pytest.mark.row(14, "Markdown (formatted body)", ui_only=True)
def test_row14_markdown(sides, row):
    """Markdown is rendered by the UI; what crosses is org.matrix.custom.html formatted_body next to the plain
    body. Bob's HTML reaches Rocket.Chat intact; Rocket.Chat's markdown, converted as Bridge.ts sendMessage converts
    it (marked, whitespace collapsed), reaches B."""
    alice, bob = sides.alice, sides.bob
    room = _room_with(sides, alice, bob)
    html = "<strong>bold</strong>, <em>italic</em> and <code>code</code> " + _nonce()
    bob.text(room, "**bold**, _italic_ and `code`", format="org.matrix.custom.html", formatted_body=html)
    received = sides.bridge.receives(room, lambda e: e.get("content", {}).get("formatted_body") == html,
                                     "bob's formatted message")
    assert received["content"]["format"] == "org.matrix.custom.html"
    row.note("formatted_body (HTML) B -> Rocket.Chat")
    tag = _nonce()
    markdown = "**bold**, _italic_ and `code` %s\n\n- one\n- two" % tag
    sides.lab.bridge.call("send", user_id=alice.user_id, room_id=room, msg=markdown)
    seen = bob.wait_event(room, _body(markdown), what="alice's markdown message")
    assert seen["content"]["format"] == "org.matrix.custom.html"
    assert seen["content"]["formatted_body"] == (
        "<p><strong>bold</strong>, <em>italic</em> and <code>code</code> %s</p> <ul> <li>one</li> <li>two</li> </ul>"
        % tag), seen["content"]["formatted_body"]
    row.note("Rocket.Chat's markdown as HTML (marked) Rocket.Chat -> B")


@pytest.mark.row(15, "Servers allow list / block list (C refused, B allowed)")
def test_row15_allow_list(sides, row, e2e_lab):
    """A's allow list (synapse_federation_domain_whitelist: [A, B]; Rocket.Chat's bridge has no setting of its own)
    lets B in and shuts C out. federation_probe from Rocket.Chat's alice to bob passes; to eve on C it fails at the
    invite with the allow-list hint; eve cannot join a public Rocket.Chat room that bob can. Guarded:
    FEDOPS_E2E_BREAK=allowlist (no allow list on A) makes this row fail."""
    from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._client import MatrixError  # pylint: disable=import-outside-toplevel
    alice, bob, eve = sides.alice, sides.bob, sides.eve
    # B serves authenticated media only (Synapse's default), which Rocket.Chat's bridge cannot download (row 5 records
    # it): the probe reports that as a warning here, this row being about the allow list.
    base = {"local": e2e_lab.probe_account(alice.account), "timeout": 20, "total_timeout": 90, "bridge_media": "warn"}
    passed = run_module("fedops.rocketchat.federation_probe", dict(base, remote=e2e_lab.probe_account(bob.account)))
    assert passed["ok"] is True, passed["verdict"]
    row.note("federation_probe Rocket.Chat -> B: %s" % passed["verdict"].split(": ", 1)[1].split(",")[0])
    refused = run_module("fedops.rocketchat.federation_probe",
                         dict(base, remote=e2e_lab.probe_account(eve.account), fail_on_error=False))
    steps = dict((s["name"], s) for s in refused["steps"])
    assert refused["ok"] is False and refused["failed_step"] == "invite", json.dumps(refused["steps"], indent=1)
    assert "federation_domain_whitelist" in steps["invite"]["hint"]
    row.note("federation_probe Rocket.Chat -> C: fails at invite (allow-list hint)")
    room = alice.client.create_room({"preset": "public_chat", "name": "open-" + _nonce()})
    with pytest.raises(MatrixError) as denied:
        eve.join(room, via=[A])
    # only the allow list's refusal: A answers C's make_join with 403 "Federation denied with <C>", which C passes on
    assert (denied.value.status, denied.value.errcode) == (403, "M_FORBIDDEN"), denied.value.describe()
    assert denied.value.error == "Federation denied with %s." % C, denied.value.describe()
    bob.join(room, via=[A])
    sides.bridge.receives(room, _member(bob.user_id, "join"), "bob's join")
    row.note("C's join of a public Rocket.Chat room refused by A's allow list (403 Federation denied); "
             "B's join accepted")


def test_probe_leaves_nothing_behind(e2e_lab, people):
    """After the probes of row 15 neither probe account is left in a probe room."""
    alice = e2e_lab.client(people.alice)
    names = []
    for room in alice.joined_rooms():
        try:
            names.append(alice.json("GET", "/_matrix/client/v3/rooms/%s/state/m.room.name/" % room).get("name", ""))
        except Exception:  # pylint: disable=broad-except
            continue
    assert not [n for n in names if n.startswith("fedops federation probe")]
    assert os.path.exists(e2e_lab.registration_path)


def _check_playbook(e2e_lab, tmp_path, probe_vars):
    """playbooks/check.yml for workspace A (older interface: fedops_matrix_server_name) with probe variables."""
    import subprocess  # pylint: disable=import-outside-toplevel
    from tests.support.ansible_run import ansible_env  # pylint: disable=import-outside-toplevel
    from tests.support.paths import PYTHON, REPO, venv_tool  # pylint: disable=import-outside-toplevel
    host_vars = {"ansible_connection": "local", "ansible_python_interpreter": PYTHON,
                 "fedops_matrix_server_name": A, "fedops_check_ca_path": e2e_lab.ca.cert_path,
                 "fedops_check_nameservers": ["%s:%d" % (e2e_lab.bind.host, e2e_lab.bind.port)]}
    host_vars.update(probe_vars)
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"all": {"hosts": {"workspace-a": host_vars}}}))
    proc = subprocess.run([venv_tool("ansible-playbook"), "-i", str(inventory),
                           os.path.join(REPO, "playbooks", "check.yml")], env=ansible_env(), capture_output=True,
                          text=True, timeout=600, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def test_check_playbook_runs_the_probe(e2e_lab, people, tmp_path):
    """check.yml with probe accounts: Rocket.Chat's alice (as_token) -> bob on B passes and prints the verdict,
    without a token in the output; a probe towards C (shut out) fails the play with the verdict."""
    local = e2e_lab.probe_account(people.alice)
    rc, output = _check_playbook(e2e_lab, tmp_path, {
        "fedops_probe_local": local, "fedops_probe_remote": e2e_lab.probe_account(people.bob),
        "fedops_probe_options": {"media": False, "timeout": 20}})
    assert rc == 0, output[-4000:]
    assert "federation probe %s -> %s: OK" % (people.alice.user_id, people.bob.user_id) in output
    for token in (local["as_token"], people.bob.access_token):
        assert token not in output
    rc, output = _check_playbook(e2e_lab, tmp_path, {
        "fedops_probe_local": local, "fedops_probe_remote": e2e_lab.probe_account(people.eve),
        "fedops_probe_options": {"media": False, "reaction": False, "typing": False, "timeout": 15}})
    assert rc != 0 and "FAILED at invite" in output, output[-4000:]
    assert people.eve.access_token not in output


def test_check_playbook_refuses_bad_probe_variables(e2e_lab, tmp_path):
    """An account without a token is refused before anything is sent, naming the variables."""
    rc, output = _check_playbook(e2e_lab, tmp_path, {
        "fedops_probe_local": {"homeserver_url": e2e_lab[A].url},
        "fedops_probe_remote": {"homeserver_url": e2e_lab[B].url, "access_token": "secret-token-value"}})
    assert rc != 0 and "Invalid probe variables" in output, output[-3000:]
    assert "secret-token-value" not in output


# --- break tests: each breaks one piece of the provisioned lab, runs the rows it guards (they must fail) and one
# row it does not guard (it must pass), then restores the lab. They come last in this module, after every row ran on
# the intact lab.
BREAK_ROWS = {
    "media": (test_row05_attachments, test_row11_avatar),
    "ephemeral": (test_row12_typing,),
    "allowlist": (test_row15_allow_list,),
}


def _run_row(function, e2e_lab, people):
    """Run one row test on fresh sides; the exception it failed with, or None."""
    import inspect  # pylint: disable=import-outside-toplevel
    import time  # pylint: disable=import-outside-toplevel
    from tests.integration.e2e.conftest import make_sides  # pylint: disable=import-outside-toplevel
    from tests.support.e2e_table import RowRecord  # pylint: disable=import-outside-toplevel
    marker = next(m for m in function.pytestmark if m.name == "row")
    kwargs = {"sides": make_sides(e2e_lab, people), "row": RowRecord(*marker.args)}
    if "e2e_lab" in inspect.signature(function).parameters:
        kwargs["e2e_lab"] = e2e_lab
    start = time.monotonic()
    try:
        function(**kwargs)
    except Exception as exc:  # pylint: disable=broad-except
        return marker.args[0], exc, time.monotonic() - start
    return marker.args[0], None, time.monotonic() - start


def _first_line(exc):
    """What a row failed on, in one line: the failed assert when there is one, else the message's first line."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    line = next((x for x in lines if x.startswith("assert ")), lines[0] if lines else type(exc).__name__)
    return line[:140]


def _break_and_check(switch, e2e_lab, people, unguarded=test_row01_direct_message):
    """Run the rows ``switch`` guards (each must fail) and ``unguarded`` (must pass); record the outcomes."""
    failures = []
    for function in BREAK_ROWS[switch]:
        number, exc, seconds = _run_row(function, e2e_lab, people)
        outcome = "FAIL: %s" % _first_line(exc) if exc else "pass"
        e2e_lab.break_results.append((switch, number, "fail", outcome, seconds))
        if exc is None:
            failures.append("row %d passed with %s broken" % (number, switch))
    number, exc, seconds = _run_row(unguarded, e2e_lab, people)
    e2e_lab.break_results.append((switch, number, "pass", "FAIL: %s" % exc if exc else "pass", seconds))
    if exc is not None:
        failures.append("row %d (not guarded by %s) failed: %s" % (number, switch, exc))
    assert not failures, failures


def _restart_with(e2e_lab, changes):
    """Restart the homeservers named in ``changes`` ({server: {option: value or None to drop}}) with those
    options; returns what restores them."""
    undo = {}
    for name, options in changes.items():
        synapse = e2e_lab[name].synapse
        undo[name] = {key: synapse.extra_config.get(key) for key in options}
        for key, value in options.items():
            if value is None:
                synapse.extra_config.pop(key, None)
            else:
                synapse.extra_config[key] = value
        synapse.restart(120)
    return undo


def _set_bridge_ephemeral(e2e_lab, enabled):
    """Rocket.Chat's Federation_Matrix_enable_ephemeral_events (through the collection's settings module), then
    the bridge restarted, as Rocket.Chat restarts it when a Federation_Matrix_* setting changes."""
    admin = e2e_lab.admin
    result = run_module("fedops.rocketchat.settings", {
        "url": e2e_lab.rc_url, "user_id": admin["_id"], "auth_token": admin["pats"][0][1],
        "settings": {"Federation_Matrix_enable_ephemeral_events": enabled}})
    assert result["changed"] is True, result
    e2e_lab.bridge.stop()
    e2e_lab.bridge.start()
    assert e2e_lab.bridge.state()["ephemeral"] is enabled


@contextlib.contextmanager
def _broken(e2e_lab, switch):
    """The lab with ``switch`` broken, restored afterwards.

    - media: media federation off on both sides (prevent_media_downloads_from on A and B, Synapse restarted);
    - ephemeral: Rocket.Chat's Federation_Matrix_enable_ephemeral_events off, the bridge restarted (it then has no
      onEphemeralEvent handler, as Bridge.ts createInstance() wires it only when the setting is on);
    - allowlist: no federation_domain_whitelist on A (Synapse restarted)."""
    if switch == "ephemeral":
        _set_bridge_ephemeral(e2e_lab, False)
        try:
            yield
        finally:
            _set_bridge_ephemeral(e2e_lab, True)
        return
    changes = {"media": {A: {"prevent_media_downloads_from": [B]}, B: {"prevent_media_downloads_from": [A]}},
               "allowlist": {A: {"federation_domain_whitelist": None}}}[switch]
    undo = _restart_with(e2e_lab, changes)
    try:
        yield
    finally:
        _restart_with(e2e_lab, undo)


@pytest.mark.skipif("os.environ.get('FEDOPS_E2E_BREAK')", reason="the lab was provisioned broken already")
@pytest.mark.parametrize("switch", sorted(BREAK_ROWS))
def test_break(switch, e2e_lab, people, feature_table):  # pylint: disable=unused-argument
    """With ``switch`` broken the rows it guards fail (media: 5 and 11, ephemeral: 12, allowlist: 15) and row 1
    still passes; the lab is restored afterwards."""
    with _broken(e2e_lab, switch):
        _break_and_check(switch, e2e_lab, people)
