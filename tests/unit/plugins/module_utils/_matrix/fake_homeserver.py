# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A fake transport for the Matrix client: two homeservers in one dict, enough of the client API for the probe.

It keeps rooms, memberships and a per-user stream of sync updates; a long-poll sync with nothing new advances the
fake clock by its timeout instead of waiting. Faults are injected per request (``http``: an error answer for the
n-th matching request) or per federation path (``drop``: updates that never reach the other server).
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, unquote, urlsplit

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._client import TransportError

A_URL = "https://a.example:8448"
B_URL = "https://b.example:8448"
LOCAL_TOKEN = "syt_local_secret_token_0001"
REMOTE_TOKEN = "syt_remote_secret_token_0002"
AS_TOKEN = "as_secret_token_0003"


class FakeClock(object):
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


ROUTES = [
    ("GET", r"/_matrix/client/v3/account/whoami$", "whoami"),
    ("GET", r"/_matrix/client/v3/joined_rooms$", "joined_rooms"),
    ("GET", r"/_matrix/client/v3/sync$", "sync"),
    ("POST", r"/_matrix/client/v3/createRoom$", "create_room"),
    ("POST", r"/_matrix/client/v3/rooms/([^/]+)/invite$", "invite"),
    ("POST", r"/_matrix/client/v3/join/([^/]+)$", "join"),
    ("PUT", r"/_matrix/client/v3/rooms/([^/]+)/send/([^/]+)/([^/]+)$", "send"),
    ("PUT", r"/_matrix/client/v3/rooms/([^/]+)/typing/([^/]+)$", "typing"),
    ("POST", r"/_matrix/media/v3/upload$", "upload"),
    ("GET", r"/_matrix/client/v1/media/download/([^/]+)/([^/]+)$", "download"),
    ("GET", r"/_matrix/media/v3/download/([^/]+)/([^/]+)$", "download_legacy"),
    ("POST", r"/_matrix/client/v3/rooms/([^/]+)/leave$", "leave"),
    ("POST", r"/_matrix/client/v3/rooms/([^/]+)/forget$", "forget"),
    ("GET", r"/_matrix/client/v3/rooms/([^/]+)/state/m.room.member/([^/]+)$", "member_state"),
    ("POST", r"/_matrix/client/v3/rooms/([^/]+)/kick$", "kick"),
]


class FakeFederation(object):
    """Two homeservers: ``a.example`` (user @probe:a.example) and ``b.example`` (user @probe:b.example)."""

    def __init__(self, clock=None, remote_server="b.example", legacy_media=False):
        self.clock = clock or FakeClock()
        self.servers = {A_URL: "a.example", B_URL: remote_server}
        self.tokens = {LOCAL_TOKEN: "@probe:a.example", REMOTE_TOKEN: "@probe:%s" % remote_server}
        self.as_users = {AS_TOKEN: ("a.example", re.compile(r"@rc_.*:a\.example"))}
        self.streams = {}
        self.rooms = {}
        self.forgotten = {}
        self.media = {}
        self.requests = []
        self.http = {}  # endpoint name -> list of (status, body) answers used one per matching request
        self.drop = set()  # "invite", "to_remote", "to_local", "typing", "media"
        self.legacy_media = legacy_media
        # Synapse's enable_authenticated_media per server name (its default, true, on both)
        self.authenticated_media = {"a.example": True, remote_server: True}
        self.counter = 0

    # --- helpers -------------------------------------------------------------------------------------------
    def fault(self, endpoint, status, body=None, times=1000, after=0):
        """The next ``times`` requests to ``endpoint`` after the first ``after`` get ``status`` and ``body``."""
        self.http[endpoint] = [None] * after + [(status, body if body is not None else {})] * times

    def joined(self, user_id):
        return sorted(r for r, room in self.rooms.items() if user_id in room["members"])

    def member_anywhere(self, user_id):
        return sorted(r for r, room in self.rooms.items() if user_id in room["members"] | room["invited"])

    def push(self, user_id, update):
        self.streams.setdefault(user_id, []).append(update)

    def deliver(self, room_id, sender, update):
        """Give an update to every member of the room, unless federation towards the member's server drops it."""
        for member in sorted(self.rooms[room_id]["members"]):
            if member != sender and self._dropped(sender, member, update[0]):
                continue
            self.push(member, update)

    def _dropped(self, sender, receiver, kind):
        if sender.split(":", 1)[1] == receiver.split(":", 1)[1]:
            return False
        direction = "to_remote" if sender.endswith(":a.example") else "to_local"
        return direction in self.drop or (kind == "typing" and "typing" in self.drop)

    def next_id(self, prefix):
        self.counter += 1
        return "%s%d" % (prefix, self.counter)

    # --- transport -----------------------------------------------------------------------------------------
    def __call__(self, method, url, headers, body, timeout, verify):
        parts = urlsplit(url)
        base = "%s://%s" % (parts.scheme, parts.netloc)
        query = parse_qs(parts.query)
        self.requests.append({"method": method, "url": url, "headers": dict(headers), "body": body,
                              "timeout": timeout, "verify": verify})
        if base not in self.servers:
            raise TransportError("connection refused")
        if "Authorization" not in headers:
            return self._anonymous(base, method, parts.path)
        token = headers.get("Authorization", "")[len("Bearer "):]
        user = self.tokens.get(token)
        if token in self.as_users:
            user = (query.get("user_id") or [None])[0]
            if not user or not self.as_users[token][1].match(user):
                return self._answer(403, {"errcode": "M_EXCLUSIVE", "error": "not in namespace"})
        if user is None:
            return self._answer(401, {"errcode": "M_UNKNOWN_TOKEN", "error": "Invalid access token passed."})
        for route_method, pattern, name in ROUTES:
            match = re.match(pattern, parts.path)
            if match and method == route_method:
                if self.http.get(name):
                    fault = self.http[name].pop(0)
                    if fault is not None:
                        return self._answer(*fault)
                args = [unquote(g) for g in match.groups()]
                data = json.loads(body.decode("utf-8")) if body and name != "upload" else body
                return getattr(self, "do_" + name)(user, query, data, *args)
        return self._answer(404, {"errcode": "M_UNRECOGNIZED", "error": "Unrecognized request"})

    def _anonymous(self, base, method, path):
        """A request without a token: only the legacy media download answers, as Synapse does.

        With enable_authenticated_media on, the legacy path serves no remote media that is not cached (404); off,
        the server fetches it over the legacy federation path, which the owner refuses (404) when its own
        authenticated media is on.
        """
        match = re.match(r"/_matrix/media/(?:r0|v3)/download/([^/]+)/([^/]+)$", path)
        if method != "GET" or not match:
            return self._answer(401, {"errcode": "M_MISSING_TOKEN", "error": "Missing access token."})
        server, media_id = [unquote(g) for g in match.groups()]
        serving = self.servers[base]
        if self.authenticated_media[serving] or (server != serving and self.authenticated_media.get(server, True)):
            return self._answer(404, {"errcode": "M_NOT_FOUND", "error": "Not found"})
        return self.do_download_legacy(None, {}, None, server, media_id)

    @staticmethod
    def _answer(status, body):
        if isinstance(body, bytes):
            return status, {}, body
        return status, {"Content-Type": "application/json"}, json.dumps(body).encode("utf-8")

    # --- endpoints -----------------------------------------------------------------------------------------
    def do_whoami(self, user, query, data):
        return self._answer(200, {"user_id": user})

    def do_joined_rooms(self, user, query, data):
        return self._answer(200, {"joined_rooms": self.joined(user)})

    def do_sync(self, user, query, data):
        stream = self.streams.setdefault(user, [])
        since = int((query.get("since") or ["0"])[0])
        timeout_ms = int((query.get("timeout") or ["0"])[0])
        new = stream[since:]
        if not new and timeout_ms:
            self.clock.sleep(timeout_ms / 1000.0)
        rooms = {"invite": {}, "join": {}}
        for update in new:
            kind, room_id = update[0], update[1]
            if kind == "invite":
                rooms["invite"][room_id] = {"invite_state": {"events": []}}
            elif kind == "event":
                room = rooms["join"].setdefault(room_id, {"timeline": {"events": []}, "ephemeral": {"events": []}})
                room["timeline"]["events"].append(update[2])
            elif kind == "typing":
                room = rooms["join"].setdefault(room_id, {"timeline": {"events": []}, "ephemeral": {"events": []}})
                room["ephemeral"]["events"].append({"type": "m.typing", "content": {"user_ids": update[2]}})
        return self._answer(200, {"next_batch": str(len(stream)), "rooms": rooms})

    def do_create_room(self, user, query, data):
        room_id = "!%s:%s" % (self.next_id("room"), user.split(":", 1)[1])
        self.rooms[room_id] = {"members": {user}, "invited": set(), "creator": user, "content": data}
        return self._answer(200, {"room_id": room_id})

    def do_invite(self, user, query, data, room_id):
        room = self.rooms[room_id]
        room["invited"].add(data["user_id"])
        if "invite" not in self.drop:
            self.push(data["user_id"], ("invite", room_id))
        return self._answer(200, {})

    def do_join(self, user, query, data, room_id):
        room = self.rooms.get(room_id)
        if room is None or user not in room["invited"]:
            return self._answer(403, {"errcode": "M_FORBIDDEN", "error": "not invited"})
        room["invited"].discard(user)
        room["members"].add(user)
        room["via"] = query.get("server_name")
        return self._answer(200, {"room_id": room_id})

    def do_send(self, user, query, data, room_id, event_type, txn_id):
        if user not in self.rooms[room_id]["members"]:
            return self._answer(403, {"errcode": "M_FORBIDDEN", "error": "not in room"})
        event_id = "$" + self.next_id("ev")
        event = {"event_id": event_id, "type": event_type, "sender": user, "content": data}
        self.deliver(room_id, user, ("event", room_id, event))
        return self._answer(200, {"event_id": event_id})

    def do_typing(self, user, query, data, room_id, typing_user):
        users = [typing_user] if data.get("typing") else []
        self.deliver(room_id, user, ("typing", room_id, users))
        return self._answer(200, {})

    def do_upload(self, user, query, data):
        media_id = self.next_id("media")
        server = user.split(":", 1)[1]
        self.media[(server, media_id)] = data
        return self._answer(200, {"content_uri": "mxc://%s/%s" % (server, media_id)})

    def do_download(self, user, query, data, server, media_id):
        if self.legacy_media:
            return self._answer(404, {"errcode": "M_UNRECOGNIZED", "error": "Unrecognized request"})
        return self.do_download_legacy(user, query, data, server, media_id)

    def do_download_legacy(self, user, query, data, server, media_id):
        if "media" in self.drop or (server, media_id) not in self.media:
            return self._answer(404, {"errcode": "M_NOT_FOUND", "error": "Remote media not found"})
        return self._answer(200, self.media[(server, media_id)])

    def do_leave(self, user, query, data, room_id):
        room = self.rooms.get(room_id)
        if room is None:
            return self._answer(404, {"errcode": "M_NOT_FOUND"})
        room["members"].discard(user)
        room["invited"].discard(user)
        return self._answer(200, {})

    def do_forget(self, user, query, data, room_id):
        room = self.rooms.get(room_id)
        if room is None or user in room["members"]:
            return self._answer(400, {"errcode": "M_UNKNOWN", "error": "still joined"})
        self.forgotten.setdefault(user, set()).add(room_id)
        return self._answer(200, {})

    def do_member_state(self, user, query, data, room_id, member):
        room = self.rooms.get(room_id)
        if room is None or user not in room["members"]:
            return self._answer(403, {"errcode": "M_FORBIDDEN"})
        if member in room["members"]:
            return self._answer(200, {"membership": "join"})
        if member in room["invited"]:
            return self._answer(200, {"membership": "invite"})
        return self._answer(404, {"errcode": "M_NOT_FOUND"})

    def do_kick(self, user, query, data, room_id):
        room = self.rooms.get(room_id)
        if room is None or user not in room["members"]:
            return self._answer(403, {"errcode": "M_FORBIDDEN"})
        room["invited"].discard(data["user_id"])
        room["members"].discard(data["user_id"])
        return self._answer(200, {})
