"""The emulator contract (tests/emulator/rocketchat/CONTRACT.md) and its tests agree: every clause names the
Rocket.Chat source it follows and is pinned by at least one contract test; every contract test names a clause;
every clause cited anywhere in the tests or the emulator exists."""
import ast
import os
import re

from tests.support.paths import REPO

CONTRACT = os.path.join(REPO, "tests", "emulator", "rocketchat", "CONTRACT.md")
CONTRACT_TESTS = os.path.join(REPO, "tests", "unit", "emulator")
CLAUSE = re.compile(r"\bC-[A-Z0-9]+-\d+\b")


def clauses():
    """{clause id: its text} from the '### C-XXX-N — title' headings."""
    with open(CONTRACT, encoding="utf-8") as handle:
        text = handle.read()
    parts = re.split(r"^### (C-[A-Z0-9]+-\d+)\b", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def contract_tests():
    """{test name: text naming its clauses (name and docstring)} for the tests of tests/unit/emulator."""
    found = {}
    for name in sorted(os.listdir(CONTRACT_TESTS)):
        if not (name.startswith("test_") and name.endswith(".py")) or name == os.path.basename(__file__):
            continue
        with open(os.path.join(CONTRACT_TESTS, name), encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                found["%s::%s" % (name, node.name)] = node.name + " " + (ast.get_docstring(node) or "")
    return found


def cited(text):
    return set(CLAUSE.findall(text)) | set(m.upper().replace("_", "-") for m in re.findall(r"c_[a-z0-9]+_\d+", text))


def test_every_clause_names_the_rocket_chat_source_it_follows():
    found = clauses()
    assert len(found) >= 30
    for clause, text in found.items():
        if clause.startswith("C-EMU-"):
            assert "Not Rocket.Chat" in text, clause
            continue
        assert "Follows " in text and re.search(r"apps/meteor/|ee/packages/|packages/|#\d{4,}", text), clause


def test_every_contract_test_names_a_clause_and_every_clause_has_a_test():
    found = clauses()
    tests = contract_tests()
    unnamed = [name for name, text in tests.items() if not cited(text)]
    assert not unnamed, "contract tests that name no clause: %s" % unnamed
    pinned = set().union(*(cited(text) for text in tests.values()))
    assert not sorted(set(found) - pinned), "clauses without a test: %s" % sorted(set(found) - pinned)


def test_every_cited_clause_exists():
    found = clauses()
    unknown = {}
    for top in ("tests", "plugins"):
        for root, _dirs, files in os.walk(os.path.join(REPO, top)):
            for name in files:
                if not name.endswith((".py", ".md", ".rst", ".yml")) or name == "CONTRACT.md":
                    continue
                path = os.path.join(root, name)
                with open(path, encoding="utf-8") as handle:
                    for clause in CLAUSE.findall(handle.read()):
                        if clause not in found:
                            unknown.setdefault(clause, []).append(os.path.relpath(path, REPO))
    assert not unknown, "cited clauses missing from CONTRACT.md: %s" % unknown
