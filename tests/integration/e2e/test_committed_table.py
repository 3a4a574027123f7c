"""The committed feature table (docs/docsite/rst/guide_e2e_federation.rst) is the suite's: its rows are the rows
tests/support/e2e_table.py defines, every defined row has its row test, and it names the commit and date of the run
it came from, section by section. No lab is needed."""
import ast
import json
import os
import re
import shutil
import subprocess

from tests.support import e2e_table

from tests.support.e2e_table import DOCS_PAGE, SECTIONS, defined_rows, docs_rows, page_sections
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


def _defined():
    return {key: title for key, (title, _acted_by) in defined_rows().items()}


def test_committed_table_has_the_rows_the_suite_defines():
    assert docs_rows() == _defined(), "the committed table is not the suite's: regenerate it with a complete run"


def test_every_defined_row_has_its_test():
    assert _row_markers() == _defined()


def test_every_row_says_who_acted_on_each_side():
    for key, (_title, acted_by) in defined_rows().items():
        assert set(acted_by) == {"rocketchat", "matrix"} and all(acted_by.values()), key


def test_committed_table_names_its_commit_and_date_in_every_section():
    with open(DOCS_PAGE, encoding="utf-8") as handle:
        blocks = page_sections(handle.read())
    assert list(blocks) == [s.key for s in SECTIONS], "the committed table lacks a section"
    for key, block in blocks.items():
        match = re.search(r"^Last complete run: (\d{4}-\d\d-\d\d \d\d:\d\d) UTC from commit ([0-9a-f]{7,40}),",
                          block, re.M)
        assert match, "section %s does not name the clean commit and the date it came from" % key
        assert "FEDOPS_E2E_BREAK" not in block, key


def _run(key, outcome="pass"):
    records = []
    for number, (title, acted_by) in sorted(defined_rows(key).items()):
        record = e2e_table.RowRecord(number, title, acted_by=acted_by, section=key)
        record.note("%s row %d crossed" % (key, number))
        record.outcome, record.duration_s = outcome, 0.5
        records.append(record)
    return records


def test_a_section_run_writes_its_section_and_keeps_the_others(tmp_path, monkeypatch):
    """One mechanism for every section: a complete native run replaces the native section of the page and keeps the
    bridge section as committed; a failing bridge run changes no page, and the evidence holds both sections."""
    page = tmp_path / "page.rst"
    shutil.copy(DOCS_PAGE, page)
    for name, value in (("DOCS_PAGE", str(page)), ("OUTPUT", str(tmp_path)),
                        ("OUTPUT_JSON", str(tmp_path / "table.json")), ("OUTPUT_PAGE", str(tmp_path / "table.rst"))):
        monkeypatch.setattr(e2e_table, name, value)
    with open(DOCS_PAGE, encoding="utf-8") as handle:
        committed = page_sections(handle.read())
    e2e_table.write_table("native", _run("native"), {"total_s": 60}, break_results=[("srv", 1, "fail", "FAIL: x", 2)])
    written = page_sections(page.read_text(encoding="utf-8"))
    assert written["bridge"] == committed["bridge"]
    assert "native row 12 crossed" in written["native"] and "   * - srv\n     - N1\n     - fail" in written["native"]
    assert e2e_table.docs_rows(str(page)) == docs_rows()
    before = page.read_text(encoding="utf-8")
    e2e_table.write_table("bridge", _run("bridge", "FAIL"), {})
    assert page.read_text(encoding="utf-8") == before
    evidence = json.loads((tmp_path / "table.json").read_text(encoding="utf-8"))["sections"]
    assert [r["outcome"] for r in evidence["bridge"]["rows"]] == ["FAIL"] * 15
    assert evidence["native"]["breaks"] == [{"switch": "srv", "row": 1, "expected": "fail", "outcome": "FAIL: x",
                                             "seconds": 2}]
    assert set(page_sections((tmp_path / "table.rst").read_text(encoding="utf-8"))) == {"bridge", "native"}


def test_the_generated_page_does_not_make_the_commit_dirty(tmp_path, monkeypatch):
    """The native section, written first, must not mark the bridge section's run ``+dirty`` (and back)."""
    page = tmp_path / os.path.relpath(DOCS_PAGE, REPO)
    page.parent.mkdir(parents=True)
    page.write_text("page\n", encoding="utf-8")
    (tmp_path / "source.py").write_text("x = 1\n", encoding="utf-8")
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.test"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "one"]):
        subprocess.run(git + args, check=True, capture_output=True, timeout=30)
    monkeypatch.setattr(e2e_table, "REPO", str(tmp_path))
    monkeypatch.setattr(e2e_table, "DOCS_PAGE", str(page))
    page.write_text("regenerated\n", encoding="utf-8")
    assert re.fullmatch(r"[0-9a-f]{12}", e2e_table.source_commit())
    (tmp_path / "source.py").write_text("x = 2\n", encoding="utf-8")
    assert e2e_table.source_commit().endswith("+dirty")
