"""The feature table the end-to-end federation tests write: row -> who acted -> what crossed -> result, timings.

The rows the suite defines are :data:`SECTIONS`, one :class:`Section` per Rocket.Chat federation generation, each
with its own lab and row tests (``bridge``: tests/integration/e2e/test_feature_rows.py, ``native``:
test_native_rows.py); each row names which code acts on each side. A row test records one :class:`RowRecord`; at the
end of its module :func:`write_table` stores that section's run (rows, acted by, result, seconds, commit, date, lab
timings, break results) in ``tests/output/e2e-feature-table.json`` next to the other sections' last runs, and renders
all of them as ``tests/output/e2e-feature-table.rst``; ``scripts/run_tests.py`` prints the sections of its run at the
end. A complete section run (every row of the section ran and passed, no ``FEDOPS_E2E_BREAK``) also replaces that
section of the docsite page ``docs/docsite/rst/guide_e2e_federation.rst``, naming the commit and date it came from.
"""
import collections
import datetime
import fcntl
import json
import os
import platform
import re
import subprocess
import time

from tests.support.paths import OUTPUT, REPO

PEERS_PACKAGE = os.path.join(REPO, "tests", "peers", "package.json")

DOCS_PAGE = os.path.join(REPO, "docs", "docsite", "rst", "guide_e2e_federation.rst")
OUTPUT_PAGE = os.path.join(OUTPUT, "e2e-feature-table.rst")
OUTPUT_JSON = os.path.join(OUTPUT, "e2e-feature-table.json")

RC_BRIDGE = "Rocket.Chat's bridge library, Bridge.ts %s"
COLLECTION = "the collection's Matrix client as %s"
SYNAPSE_B = "Synapse (B), bob's requests by the collection's Matrix client"

# Rocket.Chat on the Matrix bridge (4.7 to 7.10): number, title, and who acts on each side ("rocketchat": Rocket.Chat's
# side on A, "matrix": the other organisation's side). Bridge.ts = RocketChat/Rocket.Chat
# apps/meteor/server/services/federation/infrastructure/matrix/Bridge.ts, run by tests/peers/bridge.js.
BRIDGE_ROWS = (
    (1, "Direct message 1:1 between a Matrix user and a Rocket.Chat user",
     {"rocketchat": RC_BRIDGE % "joinRoom, sendMessage; onEvent receives", "matrix": SYNAPSE_B}),
    (2, "Federated channel and multi-user direct message",
     {"rocketchat": RC_BRIDGE % "createDirectMessageRoom, inviteToRoom, sendMessage; onEvent receives. The "
      "channel itself is created by " + COLLECTION % "alice (Bridge.ts has no channel-creating method)",
      "matrix": SYNAPSE_B}),
    (3, "Inviting an external user",
     {"rocketchat": RC_BRIDGE % "inviteToRoom, joinRoom; onEvent receives. The room is created by "
      + COLLECTION % "alice", "matrix": SYNAPSE_B}),
    (4, "Searching public rooms of the other server",
     {"rocketchat": "the directory search (Rocket.Chat UI and server code, not in the library) and publishing by "
      + COLLECTION % "alice; " + RC_BRIDGE % "joinRoom; onEvent receives", "matrix": SYNAPSE_B}),
    (5, "Attachments (media upload, remote download)",
     {"rocketchat": RC_BRIDGE % "sendMessageFileToRoom (uploadContent, m.file with filename), "
      "getReadStreamForFileFromUrl (unauthenticated mxcToHttp download); onEvent receives", "matrix": SYNAPSE_B}),
    (6, "Editing a message (m.replace)",
     {"rocketchat": RC_BRIDGE % "sendMessage, updateMessage (marked HTML in m.new_content); onEvent receives",
      "matrix": SYNAPSE_B}),
    (7, "Deleting a message (redaction)",
     {"rocketchat": RC_BRIDGE % "sendMessage, redactEvent; onEvent receives", "matrix": SYNAPSE_B}),
    (8, "Quoting a message (reply, m.in_reply_to)",
     {"rocketchat": RC_BRIDGE % "sendMessage, sendReplyToMessage (RichReply fallback); onEvent receives",
      "matrix": SYNAPSE_B}),
    (9, "Reactions",
     {"rocketchat": RC_BRIDGE % "sendMessage, sendMessageReaction (emojione shortname to unicode); onEvent "
      "receives", "matrix": SYNAPSE_B}),
    (10, "Mentions of internal and external users",
     {"rocketchat": RC_BRIDGE % "sendMessage (mention pills from typed @user and @user:server); onEvent receives. "
      "Rendering mentions is Rocket.Chat UI, not tested", "matrix": SYNAPSE_B + "; B's push rules highlight"}),
    (11, "Avatar synchronisation (profile + media over federation)",
     {"rocketchat": RC_BRIDGE % "uploadContent, setUserAvatar, getUserProfileInformation, "
      "getReadStreamForFileFromUrl; onEvent receives. When Rocket.Chat syncs an avatar is its avatar job, "
      "not in the library", "matrix": SYNAPSE_B}),
    (12, "Typing indicator reaching the bridge (ephemeral events)",
     {"rocketchat": RC_BRIDGE % "notifyUserTyping; onEphemeralEvent receives", "matrix": SYNAPSE_B}),
    (13, "Permissions inside rooms (power levels)",
     {"rocketchat": RC_BRIDGE % "createDirectMessageRoom, setRoomPowerLevels (intent.setPowerLevel); onEvent "
      "receives. Which Rocket.Chat role maps to which level is its application code, not tested",
      "matrix": SYNAPSE_B + "; B enforces the levels"}),
    (14, "Markdown (formatted body)",
     {"rocketchat": RC_BRIDGE % "sendMessage (marked HTML, whitespace collapsed); onEvent receives. Rendering "
      "HTML is Rocket.Chat UI, not tested", "matrix": SYNAPSE_B}),
    (15, "Servers allow list / block list (C refused, B allowed)",
     {"rocketchat": "Synapse (A) with the role's allow list (Rocket.Chat's bridge has no setting of its own); "
      "federation_probe and the join attempts by " + COLLECTION % "alice; onEvent receives",
      "matrix": "Synapse (B, C), bob's and eve's requests by the collection's Matrix client"}),
)

# Rocket.Chat's native federation (7.11 and later): its homeserver on D is @rocket.chat/federation-sdk as pinned in
# tests/peers/package.json, driven through the SDK calls RocketChat/Rocket.Chat
# ee/packages/federation-matrix/src/FederationMatrix.ts makes, and observed through the homeserver.matrix.* events
# ee/packages/federation-matrix/src/events/*.ts handle (tests/peers/native_homeserver.js).


def _sdk_version():
    with open(PEERS_PACKAGE, encoding="utf-8") as handle:
        return json.load(handle)["dependencies"]["@rocket.chat/federation-sdk"]


SDK_VERSION = _sdk_version()
RC_NATIVE = "Rocket.Chat's homeserver (D), federation-sdk " + SDK_VERSION + " %s"
SYNAPSE_B_API = "Synapse (B) through the client-server API, bob's requests by the collection's Matrix client"

NATIVE_ROWS = (
    (1, "Invite B -> D, join, message both ways",
     {"rocketchat": RC_NATIVE % "processInvite, acceptInvite (make_join/send_join to B), sendMessage; "
      "processIncomingTransaction receives", "matrix": SYNAPSE_B_API}),
    (2, "Invite D -> B, join, message both ways",
     {"rocketchat": RC_NATIVE % "createRoom, inviteUserToRoom, sendMessage; serves B's make_join/send_join; "
      "processIncomingTransaction receives", "matrix": SYNAPSE_B_API}),
    (3, "Edit a message, both ways",
     {"rocketchat": RC_NATIVE % "updateMessage (m.replace); processIncomingTransaction receives",
      "matrix": SYNAPSE_B_API}),
    (4, "Redaction (delete a message), both ways",
     {"rocketchat": RC_NATIVE % "redactMessage; homeserver.matrix.redaction receives", "matrix": SYNAPSE_B_API}),
    (5, "Reaction, both ways",
     {"rocketchat": RC_NATIVE % "sendReaction; homeserver.matrix.reaction receives", "matrix": SYNAPSE_B_API}),
    (6, "Typing notification (EDU), Federation_Service_EDU_Process_Typing on",
     {"rocketchat": RC_NATIVE % "sendTypingNotification; homeserver.matrix.typing receives (processTyping on)",
      "matrix": SYNAPSE_B_API}),
    (7, "Typing notification (EDU), Federation_Service_EDU_Process_Typing off",
     {"rocketchat": RC_NATIVE % "with processTyping off (the setting written through the settings API, reloaded); "
      "nothing sent, as FederationMatrix.notifyUserTyping returns early", "matrix": SYNAPSE_B_API}),
    (8, "Media (file upload), both ways",
     {"rocketchat": RC_NATIVE % "sendFileMessage (serves the media to B), downloadFromRemoteServer",
      "matrix": SYNAPSE_B_API}),
    (9, "A server outside Federation_Service_Allow_List is refused",
     {"rocketchat": "Rocket.Chat's isFederationDomainAllowed.ts middleware (not in the SDK) as the lab's host of the "
      "SDK re-implements it, from Federation_Service_Allow_List: refuses C's invite",
      "matrix": "Synapse (C) through the client-server API, eve's requests by the collection's Matrix client"}),
    (10, "A room version D does not support fails with M_INCOMPATIBLE_ROOM_VERSION",
     {"rocketchat": RC_NATIVE % "processInvite refuses the invite to a room version it does not support",
      "matrix": SYNAPSE_B_API}),
    (11, "federation_probe from a Synapse account towards a Rocket.Chat-native account",
     {"rocketchat": RC_NATIVE % "accepts and signs the probe's invite (no client-server API on Rocket.Chat)",
      "matrix": "the collection's federation_probe module as bob on Synapse (B) and eve on Synapse (C)"}),
    (12, "fedops.rocketchat.check on the Rocket.Chat-native workspace",
     {"rocketchat": RC_NATIVE % "serves federation TLS and its key server; federate's _matrix-fed._tcp record",
      "matrix": "the collection's check playbook (fedops.rocketchat.check), looking D up as a peer does"}),
)

Section = collections.namedtuple("Section", "key heading prefix intro rows")

BRIDGE_INTRO = """\
Three organisations on one machine, provisioned with this collection only:

- **A** ``chat-a.test``: a Rocket.Chat workspace on the Matrix bridge. Synapse deployed by the
  :ansplugin:`fedops.rocketchat.synapse#role` role with the bridge registration that ``playbooks/matrix_bridge.yml``
  writes (it also writes Rocket.Chat's ``Federation_Matrix_*`` settings); Rocket.Chat's side is Rocket.Chat's own
  bridge library ``@rocket.chat/forked-matrix-appservice-bridge``, configured from those settings.
- **B** ``org-b.test``: a plain Matrix organisation (Synapse deployed by the role).
- **C** ``ext-c.test``: a third Synapse that A's allow list shuts out. Rocket.Chat's Matrix bridge has no
  allow/block list setting; its documentation points at Synapse's ``federation_domain_whitelist``, which is the
  role's ``synapse_federation_domain_whitelist`` on A (``[chat-a.test, org-b.test]`` here).

Each server has its own name and 127.0.0.0/8 address; discovery is DNS (SRV ``_matrix-fed._tcp`` and A records
published into one BIND by :ansplugin:`fedops.rocketchat.federation_dns#module` and ``matrix_bridge.yml``), and TLS
comes from a private CA each Synapse trusts (``synapse_federation_custom_ca_list``). Each homeserver runs with the
configuration the synapse role renders from the test's inventory (the test harness supplies only paths, listeners and
the database). "Rocket.Chat receives" means the event reached the bridge library's handlers through
a real application service transaction; "Rocket.Chat sends" means the request Rocket.Chat's bridge makes (as the
application service, acting as the bridged user) built as ``Bridge.ts`` builds it. Rocket.Chat's side is acted by
its bridge library with the ``Bridge.ts`` method and payload Rocket.Chat uses, or by the collection's own Matrix
client where it stands in for Rocket.Chat application code that is not in the library (and then the row says what
it does not test).
"""

NATIVE_INTRO = """\
Rocket.Chat 8.x federates only natively: Rocket.Chat is its own homeserver, built on ``@rocket.chat/federation-sdk``.
These rows run that library (Rocket.Chat itself needs MongoDB and cannot run in the test lab) against a real Synapse:

- **D** ``rc-native.test``: a Rocket.Chat 8.6 workspace (settings API emulator) provisioned by
  ``fedops.rocketchat.federate`` from an inventory (``federation_mode: native``): ``Federation_Service_*`` settings,
  signing key, allow list ``*.org-b.test`` and the ``_matrix-fed._tcp`` record in BIND. Its homeserver is the SDK
  configured from those settings read back from the settings API, the way Rocket.Chat's
  ``ee/packages/federation-matrix`` configures it, with its collections in memory; D's side of each row is the SDK
  call Rocket.Chat's federation service makes.
- **B** ``org-b.test``: Synapse deployed by the synapse role, ``federation_domain_whitelist`` ``[org-b.test,
  rc-native.test]``; its side of each row is a Synapse user through the client-server API.
- **C** ``ext-c.test``: a Synapse outside D's allow list.

Not run here (they are Rocket.Chat application code, not the SDK): the Meteor app (rooms, messages and uploads in
MongoDB, the user interface), the ``access-federation`` permission, the Enterprise licence check.
"""

# One section per Rocket.Chat federation generation, in the page's order.
SECTIONS = [
    Section("bridge", "Rocket.Chat on the Matrix bridge (4.7 to 7.10)", "", BRIDGE_INTRO, BRIDGE_ROWS),
    Section("native", "Native federation (Rocket.Chat 7.11 and later)", "N", NATIVE_INTRO, NATIVE_ROWS),
]
SECTION = {section.key: section for section in SECTIONS}


def defined_rows(section=None):
    """{number: (title, acted_by)} of one section; {(section, number): (title, acted_by)} of all when None."""
    if section is not None:
        return {number: (title, acted_by) for number, title, acted_by in SECTION[section].rows}
    return {(s.key, number): (title, acted_by) for s in SECTIONS for number, title, acted_by in s.rows}


def source_commit():
    """The commit the tests ran from, ``+dirty`` when the working tree differs from it. The docsite page is this
    module's output, not a source: the first section of a run to complete writes it before the other ends."""
    page = os.path.relpath(DOCS_PAGE, REPO)
    try:
        commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short=12", "HEAD"], capture_output=True,
                                text=True, check=True, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no", "--", ".",
                                ":(exclude)" + page], capture_output=True, text=True, check=True, timeout=30).stdout
        dirty = dirty.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


HEADER = """\
.. _ansible_collections.fedops.rocketchat.docsite.guide_e2e_federation:

Federation features proven end to end
=====================================

.. This page is generated by tests/integration/e2e (tests/support/e2e_table.py); do not edit it by hand.

The integration tests run every server-side row of Rocket.Chat's federation feature table over real federation, each
as its own test, once per generation of Rocket.Chat's federation. Each section names the run its results come from.
The "Acted by" column names, for each row, the code that acted on each side: Rocket.Chat's own library (and the
call Rocket.Chat makes), Synapse, or the collection's own client or playbook.
"""


class RowRecord:
    def __init__(self, number, title, ui_only=False, acted_by=None, section="bridge"):
        self.number = number
        self.title = title
        self.ui_only = ui_only
        self.acted_by = acted_by or {}
        self.section = section
        self.crossed = []
        self.outcome = None
        self.duration_s = None

    def note(self, text):
        """One thing that crossed the federation (or reached Rocket.Chat's side)."""
        self.crossed.append(text)

    def as_dict(self):
        return {"section": self.section, "number": self.number, "title": self.title, "acted_by": self.acted_by,
                "crossed": self.crossed, "ui_only": self.ui_only, "outcome": self.outcome or "not run",
                "seconds": round(self.duration_s, 1) if self.duration_s is not None else None}


def _cell(text):
    return text.replace("|", "/").replace("\n", " ")


def _acted_by(acted_by):
    return "; ".join("%s: %s" % ("Rocket.Chat side" if side == "rocketchat" else "Matrix side", who)
                     for side, who in sorted(acted_by.items(), key=lambda i: i[0] != "rocketchat"))


def _seconds(value):
    return "-" if value is None else "%.1f" % value


def begin_marker(key):
    return ".. e2e-section-begin: %s\n" % key


def end_marker(key):
    return ".. e2e-section-end: %s\n" % key


def render_section(key, run):
    """One section of the page from its stored run (:func:`section_run`), between its markers."""
    section = SECTION[key]
    lab = run.get("lab") or {}
    lines = [begin_marker(key), "\n", "%s\n%s\n\n" % (section.heading, "-" * len(section.heading)),
             section.intro, "\n"]
    lines.append("Last complete run: %s UTC from commit %s, Python %s, %d CPUs%s.\n\n" % (
        run["date"], run["commit"], run["python"], run["cpus"],
        "; FEDOPS_E2E_BREAK=%s" % run["broken"] if run.get("broken") else ""))
    if lab:
        lines.append("Provisioning the lab took %.0f s (playbooks and Synapse %.0f s, Rocket.Chat's side %.1f s); "
                     "the rows below share it.\n\n" % (lab.get("total_s", 0), lab.get("playbooks_s", 0),
                                                       lab.get("rocketchat_s", 0)))
    lines.append(".. list-table::\n   :header-rows: 1\n   :widths: 3 15 30 40 6 6\n\n")
    lines.append("   * - #\n     - Feature row\n     - Acted by\n     - What crossed the federation\n"
                 "     - Result\n     - Time (s)\n")
    for row in sorted(run["rows"], key=lambda r: r["number"]):
        crossed = "; ".join(row["crossed"]) or "-"
        if row.get("ui_only"):
            crossed = "(Rocket.Chat UI feature: its federation traffic) " + crossed
        lines.append("   * - %s%d\n     - %s\n     - %s\n     - %s\n     - %s\n     - %s\n" % (
            section.prefix, row["number"], _cell(row["title"]), _cell(_acted_by(row["acted_by"])), _cell(crossed),
            row["outcome"], _seconds(row["seconds"])))
    if run.get("breaks"):
        title = "Break tests (%s)" % section.key
        lines += ["\n%s\n%s\n\n" % (title, "~" * len(title)),
                  "Each switch breaks one piece of the provisioned lab, runs the rows it guards (expected to fail) "
                  "and one it does not guard or the same rows once the lab is restored (expected to pass).\n\n",
                  ".. list-table::\n   :header-rows: 1\n   :widths: 15 6 15 15 8\n\n",
                  "   * - Switch\n     - Row\n     - Expected\n     - Outcome\n     - Time (s)\n"]
        for b in run["breaks"]:
            lines.append("   * - %s\n     - %s%d\n     - %s\n     - %s\n     - %s\n" % (
                b["switch"], section.prefix, b["row"], b["expected"], _cell(b["outcome"]), _seconds(b["seconds"])))
    lines.append("\n" + end_marker(key))
    return "".join(lines)


def section_run(key, records, lab_timings, broken=None, break_results=None):
    """One section's run as stored in the JSON evidence."""
    return {"commit": source_commit(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
            "written": time.time(), "prefix": SECTION[key].prefix, "python": platform.python_version(),
            "cpus": os.cpu_count() or 0,
            "broken": broken, "lab": lab_timings,
            "breaks": [dict(zip(("switch", "row", "expected", "outcome", "seconds"), b)) for b in break_results or ()],
            "rows": [r.as_dict() for r in sorted(records, key=lambda r: r.number)]}


def page_sections(text):
    """{section key: its block} of a rendered page."""
    return {m.group(1): m.group(0) for m in re.finditer(
        r"^\.\. e2e-section-begin: (\w+)\n.*?^\.\. e2e-section-end: \1\n", text, re.M | re.S)}


def render_page(blocks):
    """The page: the header, then each section's block in :data:`SECTIONS` order (those there are)."""
    return HEADER + "".join("\n" + blocks[s.key] for s in SECTIONS if s.key in blocks)


def write_docs_section(key, block, path=None):
    """Replace section ``key`` of the docsite page with ``block``, keeping the other sections as committed."""
    path = path or DOCS_PAGE
    blocks = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            blocks = page_sections(handle.read())
    blocks[key] = block
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(render_page(blocks))


def write_table(key, records, lab_timings, broken=None, break_results=None):
    """Store section ``key``'s run in the JSON evidence, render every stored section to the .rst, and, for a
    complete, unbroken run where every row of the section passed, write the section into the docsite page."""
    run = section_run(key, records, lab_timings, broken, break_results)
    os.makedirs(OUTPUT, exist_ok=True)
    # the sections' modules may end at the same time on two pytest-xdist workers
    with open(OUTPUT_JSON + ".lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stored = {}
        if os.path.exists(OUTPUT_JSON):
            with open(OUTPUT_JSON, encoding="utf-8") as handle:
                stored = json.load(handle).get("sections", {})
        stored[key] = run
        with open(OUTPUT_JSON, "w", encoding="utf-8") as handle:
            json.dump({"sections": stored}, handle, indent=1)
        with open(OUTPUT_PAGE, "w", encoding="utf-8") as handle:
            handle.write(render_page({k: render_section(k, v) for k, v in stored.items() if k in SECTION}))
    ran = {r.number for r in records}
    if ran == set(defined_rows(key)) and all(r.outcome == "pass" for r in records) and not broken:
        write_docs_section(key, render_section(key, run))
    return run


def docs_rows(path=None):
    """{(section key, number): title} of the committed docsite page, read back from its sections' list-tables."""
    with open(path or DOCS_PAGE, encoding="utf-8") as handle:
        blocks = page_sections(handle.read())
    return {(key, int(m.group(1))): m.group(2) for key, block in blocks.items()
            for m in re.finditer(r"^   \* - [A-Z]*(\d+)\n     - ([^\n]*)\n", block.split("\n~~~")[0], re.M)}
