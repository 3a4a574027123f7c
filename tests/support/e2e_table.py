"""The feature table the end-to-end federation tests write: row -> what crossed the federation -> result, timings.

The rows the suite defines are :data:`SECTIONS` (one list per Rocket.Chat federation generation; each row names
which code acts on each side). ``tests/integration/e2e`` records one :class:`RowRecord` per row test; at the end of
the module :func:`write_table` renders them as reStructuredText. Every run writes ``tests/output/e2e-feature-table.rst``
and ``tests/output/e2e-feature-table.json`` (rows, acted by, result, seconds, commit), which ``scripts/run_tests.py``
prints at the end; a complete run (every row ran and passed, no ``FEDOPS_E2E_BREAK``) also writes the docsite page
``docs/docsite/rst/guide_e2e_federation.rst``, naming the commit and date it came from.
"""
import datetime
import json
import os
import platform
import subprocess

from tests.support.paths import OUTPUT, REPO

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

# One section per Rocket.Chat federation generation: (key, heading, rows).
SECTIONS = [("bridge", "Rocket.Chat on the Matrix bridge (4.7 to 7.10)", BRIDGE_ROWS)]


def defined_rows(section=None):
    """{number: (title, acted_by)} of one section (every section when None)."""
    return {number: (title, acted_by) for key, _heading, rows in SECTIONS if section in (None, key)
            for number, title, acted_by in rows}


def source_commit():
    """The commit the tests ran from, ``+dirty`` when the working tree differs from it."""
    try:
        commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short=12", "HEAD"], capture_output=True,
                                text=True, check=True, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


HEADER = """\
.. _ansible_collections.fedops.rocketchat.docsite.guide_e2e_federation:

Federation features proven end to end
=====================================

.. This page is generated by tests/integration/e2e (tests/support/e2e_table.py); do not edit it by hand.

The integration tests provision three organisations on one machine with this collection only, then run every
server-side row of Rocket.Chat's federation feature table over real federation, each as its own test:

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
application service, acting as the bridged user) built as ``Bridge.ts`` builds it. The "Acted by" column names,
for each row, the code that acted on each side: Rocket.Chat's bridge library with the ``Bridge.ts`` method and
payload Rocket.Chat uses, Synapse, or the collection's own Matrix client where it stands in for Rocket.Chat
application code that is not in the library (and then what the row does not test).

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
        """One thing that crossed the federation (or reached Rocket.Chat through the bridge)."""
        self.crossed.append(text)

    def as_dict(self):
        return {"section": self.section, "number": self.number, "title": self.title, "acted_by": self.acted_by,
                "crossed": self.crossed, "outcome": self.outcome or "not run",
                "seconds": round(self.duration_s, 1) if self.duration_s is not None else None}


def _cell(text):
    return text.replace("|", "/").replace("\n", " ")


def _acted_by(rec):
    return "; ".join("%s: %s" % ("Rocket.Chat side" if side == "rocketchat" else "Matrix side", who)
                     for side, who in sorted(rec.acted_by.items(), key=lambda i: i[0] != "rocketchat"))


def render(records, lab_timings, broken=None, commit=None, when=None):
    lines = [HEADER]
    lines.append("Last complete run: %s UTC from commit %s, Python %s, %d CPUs%s.\n\n" % (
        when, commit, platform.python_version(), os.cpu_count() or 0,
        "; FEDOPS_E2E_BREAK=%s" % broken if broken else ""))
    if lab_timings:
        lines.append("Provisioning the lab took %.0f s (playbooks and Synapse %.0f s, bridge %.0f s); the rows below "
                     "share it.\n\n" % (lab_timings.get("total_s", 0), lab_timings.get("playbooks_s", 0),
                                        lab_timings.get("bridge_s", 0)))
    for key, heading, _rows in SECTIONS:
        section = sorted((r for r in records if r.section == key), key=lambda r: r.number)
        if not section:
            continue
        lines.append("%s\n%s\n\n" % (heading, "-" * len(heading)))
        lines.append(".. list-table::\n   :header-rows: 1\n   :widths: 3 15 30 40 6 6\n\n")
        lines.append("   * - #\n     - Feature row\n     - Acted by\n     - What crossed the federation\n"
                     "     - Result\n     - Time (s)\n")
        for rec in section:
            crossed = "; ".join(rec.crossed) or "-"
            if rec.ui_only:
                crossed = "(Rocket.Chat UI feature: its federation traffic) " + crossed
            lines.append("   * - %d\n     - %s\n     - %s\n     - %s\n     - %s\n     - %s\n" % (
                rec.number, _cell(rec.title), _cell(_acted_by(rec)), _cell(crossed), rec.outcome or "not run",
                "%.1f" % rec.duration_s if rec.duration_s is not None else "-"))
        lines.append("\n")
    return "".join(lines).rstrip("\n") + "\n"


def render_breaks(break_results):
    """The break tests' outcome: each switch, the rows it ran, what they were expected to do and did."""
    if not break_results:
        return ""
    lines = ["Break tests\n-----------\n\n",
             "Each switch breaks one piece of the provisioned lab, runs the rows it guards and one row it does not "
             "guard, then restores the lab.\n\n",
             ".. list-table::\n   :header-rows: 1\n   :widths: 15 6 15 15 8\n\n",
             "   * - Switch\n     - Row\n     - Expected\n     - Outcome\n     - Time (s)\n"]
    for switch, number, expected, outcome, seconds in break_results:
        lines.append("   * - %s\n     - %d\n     - %s\n     - %s\n     - %.1f\n" % (
            switch, number, expected, _cell(outcome), seconds))
    return "".join(lines) + "\n"


def write_table(records, lab_timings, broken=None, break_results=None):
    """Write the table; the docsite page only for a complete, unbroken run where every row passed."""
    commit = source_commit()
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    text = render(records, lab_timings, broken, commit, when)
    text += ("\n" + render_breaks(break_results)).rstrip("\n") + "\n" if break_results else ""
    os.makedirs(OUTPUT, exist_ok=True)
    with open(OUTPUT_PAGE, "w", encoding="utf-8") as handle:
        handle.write(text)
    with open(OUTPUT_JSON, "w", encoding="utf-8") as handle:
        json.dump({"commit": commit, "date": when, "broken": broken, "lab": lab_timings,
                   "breaks": [dict(zip(("switch", "row", "expected", "outcome", "seconds"), b))
                              for b in break_results or ()],
                   "rows": [r.as_dict() for r in sorted(records, key=lambda r: (r.section, r.number))]},
                  handle, indent=1)
    ran = {(r.section, r.number) for r in records}
    wanted = {(key, number) for key, _heading, rows in SECTIONS for number, _t, _a in rows}
    complete = ran == wanted and all(r.outcome == "pass" for r in records)
    if complete and not broken:
        native = native_section()
        with open(DOCS_PAGE, "w", encoding="utf-8") as handle:
            handle.write(text + ("\n" + native if native else ""))
    return text


def docs_rows(path=DOCS_PAGE):
    """{(heading, number): title} of the committed docsite page, read back from its list-tables."""
    import re  # pylint: disable=import-outside-toplevel
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    rows = {}
    heading = None
    for match in re.finditer(r"^(\S[^\n]*)\n-{3,}\n|^   \* - (\d+)\n     - ([^\n]*)\n", text, re.M):
        if match.group(1):
            heading = match.group(1)
        else:
            rows[(heading, int(match.group(2)))] = match.group(3)
    return rows


# --- native federation rows (tests/integration/e2e/test_native_rows.py) -------------------------------------------
NATIVE_OUTPUT_PAGE = os.path.join(OUTPUT, "e2e-native-table.rst")
NATIVE_BEGIN = ".. native-rows-begin\n"
NATIVE_END = ".. native-rows-end\n"
NATIVE_ROW_COUNT = 12

NATIVE_HEADER = """\
Native federation (Rocket.Chat 7.11 and later)
----------------------------------------------

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


def render_native(records, lab_timings):
    records = sorted(records, key=lambda r: r.number)
    lines = [NATIVE_BEGIN, "\n", NATIVE_HEADER]
    lines.append("Last complete run: %s UTC, Python %s, %d CPUs. Provisioning D, B and C took %.0f s (playbooks and "
                 "Synapse %.0f s, Rocket.Chat's homeserver %.1f s).\n\n" % (
                     datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
                     platform.python_version(), os.cpu_count() or 0, lab_timings.get("total_s", 0),
                     lab_timings.get("playbooks_s", 0), lab_timings.get("native_s", 0)))
    lines.append(".. list-table::\n   :header-rows: 1\n   :widths: 4 22 60 7 7\n\n")
    lines.append("   * - #\n     - Native row\n     - What crossed the federation (and which code acted)\n"
                 "     - Result\n     - Time (s)\n")
    for rec in records:
        lines.append("   * - N%d\n     - %s\n     - %s\n     - %s\n     - %s\n" % (
            rec.number, _cell(rec.title), _cell("; ".join(rec.crossed) or "-"), rec.outcome or "not run",
            "%.1f" % rec.duration_s if rec.duration_s is not None else "-"))
    lines.append("\n" + NATIVE_END)
    return "".join(lines)


def write_native_section(records, lab_timings):
    """Write the native rows; into the docsite page (between the native markers, at its end) only for a complete
    run where every row passed."""
    text = render_native(records, lab_timings)
    os.makedirs(OUTPUT, exist_ok=True)
    with open(NATIVE_OUTPUT_PAGE, "w", encoding="utf-8") as handle:
        handle.write(text)
    complete = len({r.number for r in records}) == NATIVE_ROW_COUNT and all(r.outcome == "pass" for r in records)
    if complete:
        with open(DOCS_PAGE, encoding="utf-8") as handle:
            page = handle.read()
        if NATIVE_BEGIN in page:
            page = page[:page.index(NATIVE_BEGIN)] + page[page.index(NATIVE_END) + len(NATIVE_END):]
        with open(DOCS_PAGE, "w", encoding="utf-8") as handle:
            handle.write(page.rstrip("\n") + "\n\n" + text)
    return text


def native_section(path=DOCS_PAGE):
    """The native section of a page ('' if it has none), for a writer that regenerates the rest of the page."""
    if not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8") as handle:
        page = handle.read()
    if NATIVE_BEGIN not in page:
        return ""
    return page[page.index(NATIVE_BEGIN):page.index(NATIVE_END) + len(NATIVE_END)]
