"""Write meta/ee-requirements.txt from plugins/module_utils/_deps.py, the one place the collection's Python
dependencies are declared (name, minimum version, what needs it).

Usage: python3 scripts/sync_deps.py [--check]   (--check: exit 1 when the file differs instead of writing it)
The unit test tests/unit/plugins/module_utils/test_deps.py checks the same agreement.
"""
import ast
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEPS = os.path.join(ROOT, "plugins", "module_utils", "_deps.py")
EE_REQUIREMENTS = os.path.join(ROOT, "meta", "ee-requirements.txt")


def dependencies():
    """(name, min_version, needed_for) of every entry in _deps.ALL, read without importing ansible."""
    tree = ast.parse(open(DEPS, encoding="utf-8").read())
    found = {}
    order = []
    for node in tree.body:
        if not isinstance(node, ast.Assign) or not isinstance(node.targets[0], ast.Name):
            continue
        name = node.targets[0].id
        if isinstance(node.value, ast.Call) and getattr(node.value.func, "id", None) == "PythonDependency":
            found[name] = tuple(ast.literal_eval(arg) for arg in node.value.args[:3])
        elif name == "ALL":
            order = [elt.id for elt in node.value.elts]
    return [found[name] for name in order]


def render():
    lines = ["# Python libraries of fedops.rocketchat for execution environments (ansible-builder).",
             "# Generated from plugins/module_utils/_deps.py by scripts/sync_deps.py; do not edit."]
    for name, min_version, needed_for in dependencies():
        lines.append("# %s: %s" % (name, needed_for))
        lines.append("%s>=%s" % (name, min_version))
    return "\n".join(lines) + "\n"


def main(argv):
    text = render()
    current = open(EE_REQUIREMENTS, encoding="utf-8").read() if os.path.exists(EE_REQUIREMENTS) else None
    if "--check" in argv:
        if current != text:
            print("meta/ee-requirements.txt is out of date: run python3 scripts/sync_deps.py")
            return 1
        return 0
    if current != text:
        with open(EE_REQUIREMENTS, "w", encoding="utf-8") as handle:
            handle.write(text)
        print("wrote meta/ee-requirements.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
