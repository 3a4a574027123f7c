"""The committed feature table (docs/docsite/rst/guide_e2e_federation.rst) is the suite's: its rows are the rows
tests/support/e2e_table.py defines, every defined row has its row test, and it names the commit and date of the run
it came from. No lab is needed."""
import ast
import os
import re

from tests.support.e2e_table import DOCS_PAGE, SECTIONS, defined_rows, docs_rows
from tests.support.paths import REPO

ROW_TESTS = os.path.join(REPO, "tests", "integration", "e2e")


def _row_markers():
    """{(section, number): title} of every @pytest.mark.row in the e2e test files."""
    found = {}
    for name in sorted(os.listdir(ROW_TESTS)):
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
        with open(os.path.join(ROW_TESTS, name), encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "row" \
                    and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "mark":
                number, title = (ast.literal_eval(a) for a in node.args[:2])
                section = next((ast.literal_eval(k.value) for k in node.keywords if k.arg == "section"), "bridge")
                found[(section, number)] = title
    return found


def test_committed_table_has_the_rows_the_suite_defines():
    headings = {heading: key for key, heading, _rows in SECTIONS}
    committed = {(headings.get(heading, heading), number): title for (heading, number), title in docs_rows().items()}
    defined = {(key, number): title for key, _heading, rows in SECTIONS for number, title, _acted in rows}
    assert committed == defined, "the committed table is not the suite's: regenerate it with a complete run"


def test_every_defined_row_has_its_test():
    defined = {(key, number): title for key, _heading, rows in SECTIONS for number, title, _acted in rows}
    assert _row_markers() == defined


def test_every_row_says_who_acted_on_each_side():
    for number, (_title, acted_by) in defined_rows().items():
        assert set(acted_by) == {"rocketchat", "matrix"} and all(acted_by.values()), number


def test_committed_table_names_its_commit_and_date():
    with open(DOCS_PAGE, encoding="utf-8") as handle:
        text = handle.read()
    match = re.search(r"^Last complete run: (\d{4}-\d\d-\d\d \d\d:\d\d) UTC from commit ([0-9a-f]{7,40})\b", text, re.M)
    assert match, "the committed table does not name the commit and date it came from"
    assert "+dirty" not in match.group(0) and "FEDOPS_E2E_BREAK" not in text
