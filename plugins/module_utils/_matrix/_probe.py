# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""A federation round trip between two accounts on two homeservers, step by step, leaving nothing behind.

The *local* account creates a private room and invites the *remote* account; the remote sees the invite in its
``/sync`` and joins over federation; a message goes each way (each side must see the other's event id); optionally
the local user types, the remote reacts, and media uploaded on the local side is downloaded on the remote side.
When the local account is a Rocket.Chat bridge account (an application service's ``as_token``), the media step
also downloads a file the remote side uploaded the way Rocket.Chat's bridge does: without a token, over the legacy
``/_matrix/media/r0/download`` of the local homeserver (``bridge_media`` decides whether a refusal fails or warns).
Whatever happens, both accounts then leave and forget the room (``finally``).

Each step gives a record ``{name, status, duration_ms, detail, hint}``; ``status`` is ``pass``, ``fail``,
``skip`` (not reached, or not asked for) or ``planned`` (check mode). Waits poll ``/sync`` (long polls) until
a deadline: the step ``timeout``, bounded by the ``total_timeout`` of the whole probe. The hint of a failed step
names what to look at. Check mode sends no request at all.

The pure parts (hints, sync parsing, verdict, plan) take plain data; :func:`run_probe` takes two
:class:`~._client.MatrixClient` objects, so tests drive it with a fake transport.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover - Python 2 managed nodes
    from urllib import quote  # type: ignore

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._client import (
    MatrixClient,
    MatrixError,
    requests_transport,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _native_gates
from ansible_collections.fedops.rocketchat.plugins.module_utils._retry import RetryPolicy

POLL_SECONDS = 5.0
MEDIA_BYTES = 2048
REACTION_KEY = "\U0001F44D"

# The first sync only fetches a position (no rooms); later ones carry what the probe looks for.
START_FILTER = {"presence": {"types": []}, "account_data": {"types": []}, "room": {"rooms": []}}
POLL_FILTER = {
    "presence": {"types": []},
    "account_data": {"types": []},
    "room": {"timeline": {"limit": 100}, "state": {"lazy_load_members": True}, "account_data": {"types": []}},
}

STEPS = (
    ("accounts", "check both accounts (whoami) and take a /sync position on each side"),
    ("create_room", "create a private room as the local account"),
    ("invite", "invite the remote account (the local homeserver sends the invite over federation)"),
    ("invite_received", "wait until the invite shows up in the remote account's /sync"),
    ("join", "join the room as the remote account (make_join/send_join over federation)"),
    ("message_to_remote", "send a message as the local account and wait until the remote sees its event id"),
    ("message_to_local", "send a reply as the remote account and wait until the local side sees its event id"),
    ("typing", "set the local account typing and wait for m.typing in the remote's ephemeral events"),
    ("reaction", "react (m.reaction annotation) as the remote account and wait until the local side sees it"),
    ("media", "upload a file on the local homeserver and download it through the remote homeserver"),
    ("cleanup", "leave and forget the room on both sides"),
)
OPTIONAL_STEPS = ("typing", "reaction", "media")
# Steps that need the remote account's client-server API; a federation-only remote (a Rocket.Chat native workspace:
# Rocket.Chat serves the federation API, not the client-server API) skips them.
REMOTE_CLIENT_STEPS = ("join", "message_to_remote", "message_to_local", "typing", "reaction", "media")
FEDERATION_ONLY = ("not run: the remote account is federation-only (no client-server API to act as it, as on a "
                   "Rocket.Chat native workspace); check its side in Rocket.Chat")
DESCRIPTIONS = dict(STEPS)


class ProbeTimeout(Exception):
    """A wait ran out of time."""


class ProbeMismatch(Exception):
    """The other side answered, but not with what was sent."""


class BridgeMediaRefused(Exception):
    """The local homeserver refused remote media to an unauthenticated client, as Rocket.Chat's bridge fetches it."""

    def __init__(self, uri, error):
        self.uri = uri
        self.error = error
        super(BridgeMediaRefused, self).__init__(
            "Rocket.Chat's bridge download of %s (no token, %s) was refused: %s" % (uri, BRIDGE_MEDIA_PATH, error))


# Rocket.Chat's Matrix bridge (4.7-7.10) fetches a remote file with fetch(matrixClient.mxcToHttp(mxc)) and no token
# (apps/meteor/server/services/federation/infrastructure/matrix/Bridge.ts, getReadStreamForFileFromUrl): the pinned
# bot SDK turns the mxc URI into its own homeserver's /_matrix/media/r0/download/<server>/<media id>. Synapse
# serves remote media there only with enable_authenticated_media off, and fetches it from the remote server over the
# legacy unauthenticated federation path, which the remote refuses when its own enable_authenticated_media is on.
BRIDGE_MEDIA_PATH = "/_matrix/media/r0/download"
BRIDGE_MEDIA_CHOICES = ("fail", "warn")


# --- pure helpers ----------------------------------------------------------------------------------------
def server_of(user_id):
    """The server name part of a Matrix user id (``@alice:example.org:8448`` -> ``example.org:8448``)."""
    if not isinstance(user_id, str) or not user_id.startswith("@") or ":" not in user_id:
        raise ValueError("not a Matrix user id: %r" % (user_id,))
    return user_id.split(":", 1)[1]


def parse_mxc(uri):
    """``mxc://server/media_id`` -> ``(server, media_id)``."""
    if not isinstance(uri, str) or not uri.startswith("mxc://") or "/" not in uri[6:]:
        raise ValueError("not an mxc URI: %r" % (uri,))
    server, media_id = uri[6:].split("/", 1)
    return server, media_id


def plan(typing=True, reaction=True, media=True):
    """The step names a probe runs, in order."""
    wanted = {"typing": typing, "reaction": reaction, "media": media}
    return [name for name, _desc in STEPS if wanted.get(name, True)]


def invite_in(sync, room_id):
    return room_id in (((sync or {}).get("rooms") or {}).get("invite") or {})


def timeline_event(sync, room_id, event_id):
    """The event ``event_id`` in the joined timeline of ``room_id`` in one sync answer, or None."""
    room = ((((sync or {}).get("rooms") or {}).get("join") or {}).get(room_id)) or {}
    for event in ((room.get("timeline") or {}).get("events") or []):
        if event.get("event_id") == event_id:
            return event
    return None


def typing_users(sync, room_id):
    """User ids the latest ``m.typing`` of ``room_id`` in one sync answer names (empty when none)."""
    room = ((((sync or {}).get("rooms") or {}).get("join") or {}).get(room_id)) or {}
    users = []
    for event in ((room.get("ephemeral") or {}).get("events") or []):
        if event.get("type") == "m.typing":
            users = list((event.get("content") or {}).get("user_ids") or [])
    return users


def record(name, status, duration_ms=0, detail="", hint=""):
    return {"name": name, "status": status, "duration_ms": int(round(duration_ms)), "detail": detail,
            "hint": hint}


def _error_kind(error):
    if isinstance(error, ProbeTimeout):
        return "timeout"
    if isinstance(error, ProbeMismatch):
        return "mismatch"
    if isinstance(error, BridgeMediaRefused):
        return "bridge_media"
    if isinstance(error, MatrixError):
        if error.tls:
            return "tls"
        if error.status is None:
            return "unreachable"
        if error.status == 401 or error.errcode in ("M_UNKNOWN_TOKEN", "M_MISSING_TOKEN"):
            return "auth"
        if error.status == 429:
            return "rate_limited"
        if error.status == 403:
            return "forbidden"
        if error.status == 404:
            return "not_found"
        return "http"
    return "error"


INCOMPATIBLE_ROOM_VERSION = _native_gates.INCOMPATIBLE_ROOM_VERSION


def bridge_media_hint(local_server, remote_server):
    """What an operator can and cannot do when Rocket.Chat's bridge way of downloading remote media is refused."""
    return ("Rocket.Chat's Matrix bridge downloads a file sent from another server through its own homeserver (%s) "
            "without a token (%s), so files sent from %s never reach Rocket.Chat users. Yours to fix: "
            "enable_authenticated_media: false on %s (synapse role: synapse_enable_authenticated_media: false, its "
            "default while synapse_rocketchat_bridge_registration_files is set), then restart Synapse. Not yours: %s "
            "must serve media over the legacy unauthenticated federation path too (enable_authenticated_media: false "
            "on %s, its admin's call); while it does not, only media %s cached before can be downloaded. Rocket.Chat "
            "native federation (7.11+) fetches over authenticated federation media and is not limited this way; "
            "bridge_media=warn reports this without failing"
            % (local_server, BRIDGE_MEDIA_PATH, remote_server, local_server, remote_server, remote_server,
               local_server))


FEDERATION_CHECK = "run fedops.rocketchat.federation_check on"


def hint_for(step, error, local_server, remote_server, side="local"):
    """What to look at when ``step`` failed with ``error``; ``side`` is the account whose request failed."""
    if isinstance(error, BridgeMediaRefused):
        return bridge_media_hint(local_server, remote_server)
    kind = _error_kind(error)
    if isinstance(error, MatrixError) and error.errcode == INCOMPATIBLE_ROOM_VERSION:
        return _native_gates.room_version_hint(error.errcode, local_server, remote_server)
    account_server = local_server if side == "local" else remote_server
    if kind == "tls" and step in ("accounts", "create_room", "cleanup"):
        return ("TLS verification of the %s homeserver_url failed: give ca_path (the CA bundle that signed its "
                "certificate) or fix the certificate" % side)
    if kind == "unreachable" and step == "accounts":
        return "the %s homeserver_url does not answer: check the URL, the port and the client listener" % side
    if kind == "auth":
        return ("the %s account's token was refused: give a valid access_token, or for an application service "
                "its as_token with a user_id inside its user namespace" % side)
    if kind == "rate_limited":
        return ("the %s homeserver (%s) rate-limits the probe account: exempt it (Synapse admin API "
                "override_ratelimit, or rate_limited: false for an application service)" % (side, account_server))
    if step == "media" and isinstance(error, MatrixError) and error.path.endswith("/upload") and kind != "mismatch":
        return ("the %s homeserver (%s) refused the upload: check its media repository (enable_media_repo, "
                "max_upload_size)" % (side, account_server))
    for steps, hint in _STEP_HINTS:
        if step in steps:
            return hint(step, kind, side, local_server, remote_server)
    return "see detail"


def _setup_hint(step, kind, side, _local_server, _remote_server):
    if step == "cleanup":
        return ("the probe room may still be joined or not forgotten by the account named in detail: leave and "
                "forget it (POST /rooms/<room_id>/leave, /forget)")
    if step == "create_room":
        return "the local homeserver refused to create a room: check the local account (not deactivated, allowed to create rooms)"
    if kind == "forbidden":
        return ("the %s account may not act: with as_token, user_id must match the application service's "
                "user namespace (and exist: register it first)" % side)
    if kind == "mismatch":
        return "give two accounts on two different homeservers, so the probe crosses federation"
    return "check the %s account's homeserver_url and token" % side


def _membership_hint(step, kind, _side, local_server, remote_server):
    fc = FEDERATION_CHECK
    if step == "invite_received":
        return ("the invite never arrived: the remote's federation can't reach us or we can't reach it; %s both "
                "server names (%s and %s)" % (fc, local_server, remote_server))
    if step == "invite":
        if kind == "forbidden":
            return ("%s refused the invite from %s, or one of them may not federate with the other: check "
                    "federation_domain_whitelist on both homeservers and invite restrictions on %s"
                    % (remote_server, local_server, remote_server))
        return ("%s could not deliver the invite to %s over federation: %s %s and check that %s trusts %s's "
                "certificate (federation_custom_ca_list)"
                % (local_server, remote_server, fc, remote_server, local_server, remote_server))
    if kind == "forbidden":
        return ("the join was refused (403): an allow/block list shuts %s out: federation_domain_whitelist on "
                "either homeserver, or the room's server ACL (m.room.server_acl)" % remote_server)
    return ("%s could not join through %s over federation (make_join/send_join): %s %s and check that %s "
            "trusts %s's certificate (federation_custom_ca_list)"
            % (remote_server, local_server, fc, local_server, remote_server, local_server))


def _event_hint(step, kind, side, local_server, remote_server):
    fc = FEDERATION_CHECK
    account_server = local_server if side == "local" else remote_server
    if kind not in ("timeout", "mismatch"):
        return "the %s homeserver (%s) refused the request: see detail" % (side, account_server)
    if step in ("message_to_remote", "typing"):
        what = "messages" if step == "message_to_remote" else "typing notifications (EDUs)"
        extra = "" if step == "message_to_remote" else "; a bridge must also receive ephemeral events"
        return ("%s from %s do not reach %s: outbound federation of %s is broken (its federation sender, "
                "outbound TLS to %s, federation_domain_whitelist); %s %s%s"
                % (what, local_server, remote_server, local_server, remote_server, fc, remote_server, extra))
    return ("events from %s do not reach %s: outbound federation of %s is broken (its federation sender, "
            "outbound TLS to %s, federation_domain_whitelist); %s %s"
            % (remote_server, local_server, remote_server, local_server, fc, local_server))


def _media_hint(_step, kind, side, local_server, remote_server):
    if kind == "mismatch":
        return "the downloaded bytes differ from the upload: something between the servers rewrites media"
    if side == "local":
        return ("the local homeserver (%s) refused the upload: check its media repository (enable_media_repo, "
                "max_upload_size)" % local_server)
    return ("%s could not fetch media from %s over federation (%s): media federation is disabled or not "
            "served on %s's federation listener, %s blocks it (prevent_media_downloads_from), or %s does not "
            "trust %s's certificate (federation_custom_ca_list)"
            % (remote_server, local_server, "404" if kind == "not_found" else kind, local_server,
               remote_server, remote_server, local_server))


_STEP_HINTS = (
    (("accounts", "create_room", "cleanup"), _setup_hint),
    (("invite", "invite_received", "join"), _membership_hint),
    (("message_to_remote", "typing", "message_to_local", "reaction"), _event_hint),
    (("media",), _media_hint),
)


def verdict(steps, local_user, remote_user, round_trip_ms, duration_ms):
    """One line: OK with the timings, or the first failed step with its detail and hint."""
    who = "%s -> %s" % (local_user or "local", remote_user or "remote")
    failed = [s for s in steps if s["status"] == "fail"]
    if failed:
        first = failed[0]
        return "federation probe %s: FAILED at %s after %d ms: %s. Hint: %s" % (
            who, first["name"], duration_ms, first["detail"], first["hint"])
    passed = [s["name"] for s in steps if s["status"] == "pass" and s["name"] in OPTIONAL_STEPS]
    extra = (", %s passed" % ", ".join(passed)) if passed else ""
    if any(s["detail"] == FEDERATION_ONLY for s in steps):
        return ("federation probe %s: OK as far as a federation-only remote goes: the invite crossed federation and "
                "the remote homeserver accepted it; join, messages, typing, reaction and media need the remote "
                "side's client API and were not run, %d ms in all" % (who, duration_ms))
    return "federation probe %s: OK, message round trip %s ms%s, %d ms in all" % (
        who, round_trip_ms if round_trip_ms is not None else "-", extra, duration_ms)


def check_mode_result(typing=True, reaction=True, media=True, local_url=None, remote_url=None):
    """What a real run would do, without sending anything."""
    names = plan(typing, reaction, media)
    steps = [record(name, "planned", 0, DESCRIPTIONS[name]) for name in names]
    return {"ok": None, "steps": steps, "round_trip_ms": None, "duration_ms": 0, "room_id": None,
            "failed_step": None, "local_user": None, "remote_user": None,
            "verdict": "federation probe (check mode): would run %s between %s and %s, then leave and forget the "
                       "room; nothing was sent" % (", ".join(names), local_url or "local", remote_url or "remote")}


# --- the run ---------------------------------------------------------------------------------------------
class _Side(object):
    def __init__(self, name, client):
        self.name = name
        self.client = client
        self.user_id = None
        self.server = None
        self.since = None
        self.in_room = False


class _Failed(Exception):
    pass


class _OptionalSteps(object):
    """The steps a run may leave out (typing, reaction, media); mixin of :class:`Probe`, which holds the state."""

    def step_typing(self, deadline):
        self.failing_side = "local"
        self.local.client.typing(self.room_id, self.local.user_id, True, timeout_ms=int(self.timeout * 1000),
                                 deadline=deadline)
        self.failing_side = "remote"
        self.wait(self.remote, lambda s: self.local.user_id in typing_users(s, self.room_id), deadline,
                  "%s never saw %s typing" % (self.remote.user_id, self.local.user_id))
        try:
            self.local.client.typing(self.room_id, self.local.user_id, False, deadline=self.deadline())
        except MatrixError:
            pass  # the notification times out on its own
        return "%s saw m.typing for %s" % (self.remote.user_id, self.local.user_id)

    def step_reaction(self, deadline):
        target = self.events.get("message_to_remote")
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": target, "key": REACTION_KEY}}
        self.failing_side = "remote"
        event_id = self.remote.client.send(self.room_id, "m.reaction", content, self.txn_id(), deadline=deadline)
        self.events["reaction"] = event_id
        self.failing_side = "local"
        event = self.wait(self.local, lambda s: timeline_event(s, self.room_id, event_id), deadline,
                          "%s did not see reaction %s" % (self.local.user_id, event_id))
        relates = (event.get("content") or {}).get("m.relates_to") or {}
        if relates.get("event_id") != target or relates.get("rel_type") != "m.annotation":
            raise ProbeMismatch("reaction %s arrived without its m.annotation relation to %s" % (event_id, target))
        return "%s saw reaction %s on %s" % (self.local.user_id, event_id, target)

    def _upload(self, side, name, deadline):
        """Upload random bytes as ``side``; returns ``(bytes, mxc URI, server, media id)``."""
        data = os.urandom(MEDIA_BYTES)
        self.failing_side = side.name
        uri = side.client.upload(data, "application/octet-stream", "fedops-probe-%s%s.bin" % (self.nonce, name),
                                 deadline=deadline)
        return (data, uri) + parse_mxc(uri)

    @staticmethod
    def _same_bytes(data, content, what):
        if hashlib.sha256(content).digest() != hashlib.sha256(data).digest():
            raise ProbeMismatch("%s returned %d bytes that differ from the %d uploaded"
                                % (what, len(content), len(data)))

    def step_media(self, deadline):
        data, uri, server, media_id = self._upload(self.local, "", deadline)
        self.failing_side = "remote"
        content, endpoint = self.remote.client.download(server, media_id, deadline=deadline)
        self._same_bytes(data, content, uri)
        detail = "%s fetched %s (%d bytes, %s endpoint)" % (self.remote.user_id, uri, len(data), endpoint)
        if self.bridge_account:
            detail += "; " + self._bridge_media(deadline)
        return detail

    def _bridge_media(self, deadline):
        """Upload on the remote side, download it as Rocket.Chat's bridge does (no token, r0, local homeserver)."""
        data, uri, server, media_id = self._upload(self.remote, "-b", deadline)
        self.failing_side = "local"
        local = self.local.client
        anonymous = MatrixClient(local.base_url, None, verify=local.verify, timeout=local.timeout,
                                 policy=local.policy, transport=local.transport, sleep=local.sleep, clock=local.clock)
        path = "%s/%s/%s" % (BRIDGE_MEDIA_PATH, quote(server, safe=""), quote(media_id, safe=""))
        try:
            _status, _headers, content = anonymous.request("GET", path, deadline=deadline)
        except MatrixError as exc:
            refused = BridgeMediaRefused(uri, exc)
            if self.bridge_media == "fail":
                raise refused
            self.warnings.append("federation probe media step: %s. Hint: %s" % (
                refused, bridge_media_hint(self.local.server, self.remote.server)))
            return "WARNING: %s (bridge_media=warn)" % refused
        self._same_bytes(data, content, "%s through %s" % (uri, BRIDGE_MEDIA_PATH))
        return "Rocket.Chat's bridge way (no token, %s on %s) fetched %s (%d bytes)" % (
            BRIDGE_MEDIA_PATH, self.local.server, uri, len(data))


class Probe(_OptionalSteps):
    """One probe run; see :func:`run_probe`."""

    def __init__(self, local, remote, timeout=30.0, total_timeout=180.0, typing=True, reaction=True, media=True,
                 room_name="fedops federation probe", clock=time.monotonic, nonce=None, remote_user_id=None,
                 bridge_media="fail"):
        if bridge_media not in BRIDGE_MEDIA_CHOICES:
            raise ValueError("bridge_media must be one of %s, got %r" % (", ".join(BRIDGE_MEDIA_CHOICES), bridge_media))
        self.local = _Side("local", local)
        self.remote = _Side("remote", remote)
        # remote None: a federation-only account (remote_user_id), reached only through the local homeserver
        self.federation_only = remote is None
        self.remote_user_id = remote_user_id
        self.timeout = float(timeout)
        self.total_timeout = float(total_timeout)
        self.names = plan(typing, reaction, media)
        self.room_name = room_name
        self.clock = clock
        self.nonce = nonce or uuid.uuid4().hex[:12]
        self.txn = 0
        self.steps = []
        self.room_id = None
        self.events = {}
        self.end = None
        self.failing_side = "local"
        # the local account is a Rocket.Chat bridge account: an application service's as_token acting as its user
        self.bridge_account = bool(getattr(local, "assert_user", False))
        self.bridge_media = bridge_media
        self.warnings = []

    # helpers
    def deadline(self):
        return min(self.clock() + self.timeout, self.end)

    def txn_id(self):
        self.txn += 1
        return "fedops-probe-%s-%d" % (self.nonce, self.txn)

    def wait(self, side, predicate, deadline, what):
        """Poll ``side``'s /sync until ``predicate(answer)`` is true or ``deadline`` passes."""
        while True:
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise ProbeTimeout("%s within %.1f s" % (what, self.timeout))
            answer = side.client.sync(since=side.since, timeout_ms=int(min(remaining, POLL_SECONDS) * 1000),
                                      filter_json=POLL_FILTER, deadline=deadline)
            side.since = answer.get("next_batch") or side.since
            found = predicate(answer)
            if found:
                return found

    # steps: each returns its detail text, raises on failure; self.failing_side names whose request failed
    def sides(self):
        return (self.local,) if self.federation_only else (self.local, self.remote)

    def step_accounts(self, deadline):
        if self.federation_only:
            self.remote.user_id = self.remote_user_id
            self.remote.server = server_of(self.remote_user_id)
        for side in self.sides():
            self.failing_side = side.name
            side.user_id = side.client.whoami(deadline=deadline)["user_id"]
            side.server = server_of(side.user_id)
        if self.local.server == self.remote.server:
            raise ProbeMismatch("both accounts are on %s: the probe would not cross federation" % self.local.server)
        for side in self.sides():
            self.failing_side = side.name
            side.since = side.client.sync(timeout_ms=0, filter_json=START_FILTER, deadline=deadline).get("next_batch")
        return "%s (local) and %s (remote)" % (self.local.user_id, self.remote.user_id)

    def step_create_room(self, deadline):
        self.failing_side = "local"
        content = {"preset": "private_chat", "visibility": "private", "is_direct": False,
                   "name": "%s %s" % (self.room_name, self.nonce),
                   "topic": "temporary room of a federation probe; it is left and forgotten at once"}
        self.room_id = self.local.client.create_room(content, deadline=deadline)
        self.local.in_room = True
        return self.room_id

    def step_invite(self, deadline):
        self.failing_side = "local"
        self.local.client.invite(self.room_id, self.remote.user_id, deadline=deadline)
        self.remote.in_room = True  # the remote server holds the invite now: cleanup rejects it
        return "%s invited %s" % (self.local.user_id, self.remote.user_id)

    def step_invite_received(self, deadline):
        if self.federation_only:
            # Synapse answers the invite request only after the remote homeserver signed the invite event: the
            # room's state on the local side holds it with membership "invite".
            path = "/_matrix/client/v3/rooms/%s/state/m.room.member/%s" % (
                quote(self.room_id, safe=""), quote(self.remote.user_id, safe=""))
            membership = self.local.client.json("GET", path, deadline=deadline).get("membership")
            if membership != "invite":
                raise ProbeMismatch("%s's membership in %s is %r, not invite"
                                    % (self.remote.user_id, self.room_id, membership))
            return "%s accepted and signed the invite of %s" % (self.remote.server, self.remote.user_id)
        self.failing_side = "remote"
        self.wait(self.remote, lambda s: invite_in(s, self.room_id), deadline,
                  "no invite to %s in %s's /sync" % (self.room_id, self.remote.user_id))
        return "the invite reached %s" % self.remote.user_id

    def step_join(self, deadline):
        self.failing_side = "remote"
        self.remote.client.join(self.room_id, via=[self.local.server], deadline=deadline)
        return "%s joined via %s" % (self.remote.user_id, self.local.server)

    def _message(self, sender, receiver, key, deadline):
        body = "fedops federation probe %s: %s -> %s" % (self.nonce, sender.user_id, receiver.user_id)
        self.failing_side = sender.name
        event_id = sender.client.send(self.room_id, "m.room.message", {"msgtype": "m.notice", "body": body},
                                      self.txn_id(), deadline=deadline)
        self.events[key] = event_id
        self.failing_side = receiver.name
        event = self.wait(receiver, lambda s: timeline_event(s, self.room_id, event_id), deadline,
                          "%s did not see event %s from %s" % (receiver.user_id, event_id, sender.user_id))
        if (event.get("content") or {}).get("body") != body or event.get("sender") != sender.user_id:
            raise ProbeMismatch("%s saw event %s with another body or sender" % (receiver.user_id, event_id))
        return "%s saw %s from %s" % (receiver.user_id, event_id, sender.user_id)

    def step_message_to_remote(self, deadline):
        return self._message(self.local, self.remote, "message_to_remote", deadline)

    def step_message_to_local(self, deadline):
        return self._message(self.remote, self.local, "message_to_local", deadline)

    def cleanup(self):
        """Leave and forget on both sides (remote first, while the local server is still in the room). A
        federation-only remote's pending invite is withdrawn (kicked) by the local account first."""
        problems = []
        done = []
        if self.federation_only and self.remote.in_room:
            try:
                self.local.client.json("POST", "/_matrix/client/v3/rooms/%s/kick" % quote(self.room_id, safe=""),
                                       body={"user_id": self.remote.user_id, "reason": "federation probe done"},
                                       deadline=self.clock() + self.timeout)
                self.remote.in_room = False
                done.append("%s (invite withdrawn)" % self.remote.user_id)
            except MatrixError as exc:
                problems.append("%s withdraw invite: %s" % (self.remote.user_id, exc))
                self.remote.in_room = False
        for side in (self.remote, self.local):
            if not side.in_room:
                continue
            for action in ("leave", "forget"):
                try:
                    getattr(side.client, action)(self.room_id, deadline=self.clock() + self.timeout)
                except MatrixError as exc:
                    problems.append("%s %s: %s" % (side.user_id or side.name, action, exc))
                    break
            else:
                side.in_room = False
                done.append(side.user_id or side.name)
        return done, problems

    def run(self):
        start = self.clock()
        self.end = start + self.total_timeout
        todo = list(self.names)
        todo.remove("cleanup")
        failed = None
        try:
            for name in todo:
                if failed is not None:
                    self.steps.append(record(name, "skip", 0, "not run: %s failed" % failed))
                    continue
                if self.federation_only and name in REMOTE_CLIENT_STEPS:
                    self.steps.append(record(name, "skip", 0, FEDERATION_ONLY))
                    continue
                if self.clock() >= self.end:
                    failed = name
                    self.steps.append(record(name, "fail", 0, "total_timeout (%.0f s) used up before this step"
                                             % self.total_timeout,
                                             "raise total_timeout, or find the slow step in the durations"))
                    continue
                self.failing_side = "local"
                begin = self.clock()
                try:
                    detail = getattr(self, "step_" + name)(self.deadline())
                except (MatrixError, ProbeTimeout, ProbeMismatch, BridgeMediaRefused, ValueError, KeyError,
                        TypeError) as exc:
                    failed = name
                    known = (MatrixError, ProbeTimeout, ProbeMismatch, BridgeMediaRefused)
                    error = exc if isinstance(exc, known) else ProbeMismatch("unexpected answer: %s" % exc)
                    self.steps.append(record(name, "fail", (self.clock() - begin) * 1000,
                                             "%s: %s" % (self.failing_side, error),
                                             hint_for(name, error, self.local.server or "the local homeserver",
                                                      self.remote.server or "the remote homeserver",
                                                      self.failing_side)))
                else:
                    self.steps.append(record(name, "pass", (self.clock() - begin) * 1000, detail))
        finally:
            begin = self.clock()
            if self.room_id is None and not self.local.in_room:
                self.steps.append(record("cleanup", "skip", 0, "no room was created"))
            else:
                done, problems = self.cleanup()
                if problems:
                    self.steps.append(record("cleanup", "fail", (self.clock() - begin) * 1000,
                                             "; ".join(problems), hint_for("cleanup", None, "", "")))
                else:
                    self.steps.append(record("cleanup", "pass", (self.clock() - begin) * 1000,
                                             "left and forgot %s: %s" % (self.room_id, ", ".join(done))))
        return self.result(start)

    def result(self, start):
        duration_ms = int(round((self.clock() - start) * 1000))
        by_name = dict((s["name"], s) for s in self.steps)
        legs = [by_name.get("message_to_remote"), by_name.get("message_to_local")]
        round_trip = sum(s["duration_ms"] for s in legs) if all(s and s["status"] == "pass" for s in legs) else None
        failed = [s["name"] for s in self.steps if s["status"] == "fail"]
        return {
            "ok": not failed,
            "steps": self.steps,
            "round_trip_ms": round_trip,
            "duration_ms": duration_ms,
            "room_id": self.room_id,
            "failed_step": failed[0] if failed else None,
            "local_user": self.local.user_id,
            "remote_user": self.remote.user_id,
            "event_ids": dict(self.events),
            "warnings": list(self.warnings),
            "verdict": verdict(self.steps, self.local.user_id, self.remote.user_id, round_trip, duration_ms),
        }


def run_probe(local, remote, **options):
    """Run one probe between two clients; returns the result dict (``ok``, ``steps``, ``verdict``, ...)."""
    return Probe(local, remote, **options).run()


# --- from module parameters ------------------------------------------------------------------------------
def federation_only(account):
    """A remote given by ``user_id`` alone: reached over federation only (e.g. a Rocket.Chat native workspace)."""
    return not any(account.get(k) for k in ("homeserver_url", "access_token", "as_token"))


def account_problem(name, account):
    """A message naming the option and the fix when an account's options do not fit together, else None."""
    if name == "remote" and federation_only(account):
        if not account.get("user_id"):
            return ("remote needs homeserver_url and a token, or, for a federation-only remote (a Rocket.Chat "
                    "native workspace), remote.user_id alone")
        try:
            server_of(account["user_id"])
        except ValueError:
            return "remote.user_id must be a full Matrix user id like @probe:example.org, got %r" % (
                account["user_id"],)
        return None
    url = account.get("homeserver_url") or ""
    if not url.startswith(("https://", "http://")):
        return "%s.homeserver_url must be an https:// URL of the client API, got %r" % (name, url)
    if bool(account.get("access_token")) == bool(account.get("as_token")):
        return "%s needs exactly one of access_token and as_token" % name
    if account.get("as_token") and not account.get("user_id"):
        return "%s.as_token acts as one of the application service's users: give %s.user_id" % (name, name)
    if account.get("user_id"):
        try:
            server_of(account["user_id"])
        except ValueError:
            return "%s.user_id must be a full Matrix user id like @probe:example.org, got %r" % (
                name, account["user_id"])
    return None


def client_for(account, timeout, transport=None):
    """A :class:`MatrixClient` for one account's module options."""
    verify = account.get("validate_certs", True)
    if verify and account.get("ca_path"):
        verify = account["ca_path"]
    token = account.get("access_token") or account.get("as_token")
    return MatrixClient(account["homeserver_url"], token, user_id=account.get("user_id"),
                        assert_user=bool(account.get("as_token")), verify=verify, timeout=timeout,
                        policy=RetryPolicy(attempts=4, base_delay=0.25, factor=2.0, max_delay=4.0),
                        transport=transport or requests_transport())


def run_from_params(params, check_mode=False, transport=None):
    """The module's entry: validated ``params`` in, result dict out."""
    options = dict(typing=params["typing"], reaction=params["reaction"], media=params["media"])
    if check_mode:
        return check_mode_result(local_url=params["local"]["homeserver_url"],
                                 remote_url=params["remote"]["homeserver_url"], **options)
    options["bridge_media"] = params.get("bridge_media") or "fail"
    local = client_for(params["local"], params["timeout"], transport)
    if federation_only(params["remote"]):
        return run_probe(local, None, timeout=params["timeout"], total_timeout=params["total_timeout"],
                         room_name=params["room_name"], remote_user_id=params["remote"]["user_id"], **options)
    remote = client_for(params["remote"], params["timeout"], transport)
    return run_probe(local, remote, timeout=params["timeout"], total_timeout=params["total_timeout"],
                     room_name=params["room_name"], **options)
