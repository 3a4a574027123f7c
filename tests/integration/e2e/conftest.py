"""The end-to-end federation labs (tests/support/e2e_lab.py) and the feature table's row records.

One module per section of the table (tests/support/e2e_table.py ``SECTIONS``): ``test_feature_rows.py`` (``bridge``,
the A/B/C lab ``e2e_lab`` below) and ``test_native_rows.py`` (``native``, its D/B/C lab). pytest-xdist
``--dist loadfile`` sends one file to one worker, so each module-scoped lab is provisioned once per run, whatever the
worker count. ``row`` records what a row test (``@pytest.mark.row(number, title, section=...)``) saw cross the
federation; the module's ``feature_table`` writes its section of the table when the module ends.
"""
import time
import uuid

import pytest

from tests.support.e2e_lab import A, B, C, E2ELab, broken_from_env, new_workdir
from tests.support.e2e_table import RowRecord, defined_rows, write_table
from tests.support.procs import wait_until


def pytest_configure(config):
    config.addinivalue_line("markers", "row(number, title, ui_only=False, section='bridge'): a row of the federation "
                                       "feature table (tests/support/e2e_table.py SECTIONS)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" or report.failed:
        item.e2e_outcome = "pass" if report.passed else ("FAIL" if report.failed else report.outcome)


@pytest.fixture(scope="module")
def e2e_lab():
    lab = E2ELab(new_workdir(), broken=broken_from_env())
    try:
        yield lab.start()
    finally:
        lab.stop()


@pytest.fixture(scope="module")
def feature_table(e2e_lab):
    records = []
    yield records
    write_table("bridge", records, e2e_lab.timings, e2e_lab.broken, e2e_lab.break_results)


@pytest.fixture
def row(request, feature_table):
    marker = request.node.get_closest_marker("row")
    number, title = marker.args
    section = marker.kwargs.get("section", "bridge")
    defined = defined_rows(section).get(number)
    assert defined and defined[0] == title, "row %s %r is not %s row %s in tests/support/e2e_table.py" % (
        number, title, section, number)
    record = RowRecord(number, title, ui_only=marker.kwargs.get("ui_only", False), acted_by=defined[1],
                       section=section)
    start = time.monotonic()
    yield record
    record.duration_s = time.monotonic() - start
    record.outcome = getattr(request.node, "e2e_outcome", "FAIL")
    feature_table.append(record)


class Side:
    """One Matrix account of the lab seen through its own homeserver's client API: /sync timeline, ephemeral
    events and invites since the account was set up, and the requests a client (or Rocket.Chat's bridge, for a
    bridged user) sends."""

    def __init__(self, lab, account):
        self.lab = lab
        self.account = account
        self.user_id = account.user_id
        self.client = lab.client(account)
        self.since = self.client.sync(timeout_ms=0, filter_json={"room": {"timeline": {"limit": 1}}})["next_batch"]
        self.timeline = []
        self.ephemeral = []
        self.invites = {}
        self._txn = 0

    def poll(self, timeout_ms=1000):
        body = self.client.sync(since=self.since, timeout_ms=timeout_ms)
        self.since = body["next_batch"]
        rooms = body.get("rooms", {})
        for room_id, room in rooms.get("join", {}).items():
            for event in room.get("state", {}).get("events", []) + room.get("timeline", {}).get("events", []):
                self.timeline.append(dict(event, room_id=room_id))
            for event in room.get("ephemeral", {}).get("events", []):
                self.ephemeral.append(dict(event, room_id=room_id))
        for room_id, room in rooms.get("invite", {}).items():
            self.invites[room_id] = room.get("invite_state", {}).get("events", [])
        return body

    def wait(self, find, timeout=30, what="event"):
        def found():
            self.poll()
            return find()
        return wait_until(found, timeout, "%s in %s's /sync" % (what, self.user_id), interval=0.01)

    def wait_event(self, room_id, predicate, timeout=30, what="event"):
        return self.wait(lambda: next((e for e in self.timeline if e["room_id"] == room_id and predicate(e)), None),
                         timeout, what)

    def wait_invite(self, room_id, timeout=30):
        return self.wait(lambda: self.invites.get(room_id), timeout, "invite to %s" % room_id)

    def txn(self):
        self._txn += 1
        return "e2e-%s-%d" % (uuid.uuid4().hex[:8], self._txn)

    def send(self, room_id, content, event_type="m.room.message"):
        return self.client.send(room_id, event_type, content, self.txn())

    def text(self, room_id, body, **extra):
        return self.send(room_id, dict({"msgtype": "m.text", "body": body}, **extra))

    def put_state(self, room_id, event_type, content, state_key=""):
        from urllib.parse import quote  # pylint: disable=import-outside-toplevel
        return self.client.json("PUT", "/_matrix/client/v3/rooms/%s/state/%s/%s" % (
            quote(room_id, safe=""), quote(event_type, safe=""), quote(state_key, safe="")), body=content)["event_id"]

    def join(self, room_id, via=()):
        return self.client.join(room_id, via=via)["room_id"]


class Bridge:
    """Rocket.Chat's side of workspace A: what its bridge library's handlers received (real appservice
    transactions), and the calls Rocket.Chat's Bridge.ts makes."""

    def __init__(self, lab):
        self.lab = lab
        self.peer = lab.bridge

    def receives(self, room_id, predicate, what="event", timeout=30, handler="onEvent"):
        entry = self.peer.wait_for(
            lambda e: e["handler"] == handler and e["event"].get("room_id") == room_id and predicate(e["event"]),
            timeout=timeout, what=what)
        return entry["event"]

    def join(self, account, room_id):
        return self.peer.call("join", user_id=account.user_id, room_id=room_id)


@pytest.fixture(scope="module")
def people(e2e_lab):
    """Module-wide accounts: Rocket.Chat users alice.rc and carl.rc on A (bridged), bob and carol on B, eve on C."""
    class People:
        pass
    p = People()
    p.alice = e2e_lab.rocketchat_user("alice.rc", "Alice (Rocket.Chat)")
    p.carl = e2e_lab.rocketchat_user("carl.rc", "Carl (Rocket.Chat)")
    p.bob = e2e_lab.register(B, "bob")
    p.carol = e2e_lab.register(B, "carol")
    p.eve = e2e_lab.register(C, "eve")
    return p


def make_sides(e2e_lab, people):
    """Fresh /sync positions for every account, and the bridge."""
    class Sides:
        pass
    s = Sides()
    for name in ("alice", "carl", "bob", "carol", "eve"):
        setattr(s, name, Side(e2e_lab, getattr(people, name)))
    s.bridge = Bridge(e2e_lab)
    s.lab = e2e_lab
    return s


@pytest.fixture
def sides(e2e_lab, people):
    """Fresh /sync positions for every account, and the bridge."""
    return make_sides(e2e_lab, people)


__all__ = ["A", "B", "C", "Side", "Bridge", "make_sides"]
