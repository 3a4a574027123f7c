# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""_deps is the one declaration of the Python libraries: the module docs, the import guards and the execution
environment file must agree with it."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import re

import pytest
import yaml

from ansible_collections.fedops.rocketchat.plugins.module_utils import _deps

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
PLUGINS = os.path.join(ROOT, "plugins")
PREFIX = "ansible_collections.fedops.rocketchat.plugins."
MODULES = sorted(f[:-3] for f in os.listdir(os.path.join(PLUGINS, "modules")) if f.endswith(".py")
                 and not f.startswith("__"))
BY_IMPORT = {imp: dep for dep in _deps.ALL for imp in dep.import_names}


def _sync_script():
    spec = importlib.util.spec_from_file_location("sync_deps", os.path.join(ROOT, "scripts", "sync_deps.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _documentation(path):
    tree = ast.parse(open(path, encoding="utf-8").read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "DOCUMENTATION":
            return yaml.safe_load(node.value.value)
    raise AssertionError("no DOCUMENTATION in %s" % path)


def documented_requirements(module):
    """The requirements: lines of a module, including those of the collection's doc fragments it extends."""
    doc = _documentation(os.path.join(PLUGINS, "modules", module + ".py"))
    lines = list(doc.get("requirements") or [])
    for fragment in doc.get("extends_documentation_fragment") or []:
        if not fragment.startswith("fedops.rocketchat."):
            continue
        parts = fragment.split(".")[2:]
        cls = importlib.import_module(PREFIX + "doc_fragments." + parts[0]).ModuleDocFragment
        text = getattr(cls, parts[1].upper() if len(parts) > 1 else "DOCUMENTATION")
        lines += yaml.safe_load(text).get("requirements") or []
    return lines


def _resolve(dotted):
    """A dotted name below plugins/ to the file that defines it (a module, or the package's __init__)."""
    path = os.path.join(PLUGINS, *dotted.split("."))
    if os.path.isfile(path + ".py"):
        return path + ".py"
    if os.path.isdir(path) and os.path.isfile(os.path.join(path, "__init__.py")):
        return os.path.join(path, "__init__.py")
    return None


def imported_libraries(path, seen=None):
    """Top-level names of the third-party libraries a plugin file imports, following the collection's own
    module_utils imports (also the ones inside functions)."""
    seen = set() if seen is None else seen
    if path in seen:
        return set()
    seen.add(path)
    found = set()
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
        targets = []
        if isinstance(node, ast.Import):
            targets = [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            targets = [(node.module, [alias.name for alias in node.names])]
        for module, names in targets:
            if module.startswith(PREFIX):
                local = module[len(PREFIX):]
                for candidate in [local + "." + name for name in names or []] + [local]:
                    resolved = _resolve(candidate)
                    if resolved:
                        found |= imported_libraries(resolved, seen)
            elif module.split(".")[0] in BY_IMPORT:
                found.add(BY_IMPORT[module.split(".")[0]].name)
    return found


def test_every_dependency_is_complete():
    assert len({dep.name for dep in _deps.ALL}) == len(_deps.ALL)
    for dep in _deps.ALL:
        assert re.match(r"^\d+(\.\d+)+$", dep.min_version), dep.name
        assert dep.needed_for.strip(), dep.name
        assert dep.requirement == "%s >= %s" % (dep.name, dep.min_version)


def test_missing_message_names_the_minimum_version():
    msg = _deps.DNSPYTHON.missing(reason="for provider=rfc2136")
    assert "dnspython >= 2.4.0" in msg and "for provider=rfc2136" in msg


def test_dnspython_minimum_has_the_apis_the_code_uses():
    # dns.nameserver (used for explicit nameservers) appeared in dnspython 2.4.
    importlib.import_module("dns.nameserver")
    assert tuple(int(p) for p in _deps.DNSPYTHON.min_version.split(".")[:2]) >= (2, 4)


@pytest.mark.parametrize("module", MODULES)
def test_module_documents_exactly_the_libraries_it_imports(module):
    lines = documented_requirements(module)
    documented = {}
    for line in lines:
        match = re.match(r"^(\S+) >= (\S+)(?: \(.+\))?$", line)
        assert match, "%s: requirement %r is not 'name >= version [(why)]'" % (module, line)
        dep = next((d for d in _deps.ALL if d.name == match.group(1)), None)
        assert dep is not None, "%s: %s is not declared in plugins/module_utils/_deps.py" % (module, line)
        assert match.group(2) == dep.min_version, "%s: %r, _deps says %s" % (module, line, dep.requirement)
        documented[dep.name] = line
    imported = imported_libraries(os.path.join(PLUGINS, "modules", module + ".py"))
    assert set(documented) == imported, "%s documents %s but imports %s" % (module, sorted(documented),
                                                                            sorted(imported))


def test_every_declared_library_is_used_by_a_module():
    used = set()
    for module in MODULES:
        used |= imported_libraries(os.path.join(PLUGINS, "modules", module + ".py"))
    assert used == {dep.name for dep in _deps.ALL}


def test_ee_requirements_file_is_generated_from_deps():
    sync = _sync_script()
    assert sync.dependencies() == [(d.name, d.min_version, d.needed_for) for d in _deps.ALL]
    with open(os.path.join(ROOT, "meta", "ee-requirements.txt"), encoding="utf-8") as handle:
        assert handle.read() == sync.render(), "meta/ee-requirements.txt is stale: run python3 scripts/sync_deps.py"


def test_execution_environment_points_at_the_requirements():
    with open(os.path.join(ROOT, "meta", "execution-environment.yml"), encoding="utf-8") as handle:
        ee = yaml.safe_load(handle)
    assert ee["version"] == 3
    assert ee["dependencies"] == {"python": "meta/ee-requirements.txt"}


def test_no_module_builds_its_own_missing_library_message():
    offenders = []
    for folder, _dirs, files in os.walk(PLUGINS):
        for name in files:
            path = os.path.join(folder, name)
            if name.endswith(".py") and not path.endswith("_deps.py"):
                text = open(path, encoding="utf-8").read()
                if re.search(r"missing_required_lib\(", text.replace("``missing_required_lib(", "")):
                    offenders.append(os.path.relpath(path, ROOT))
    assert offenders == []


def test_readme_names_the_declared_minimums():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    by_name = {dep.name: dep.min_version for dep in _deps.ALL}
    mentioned = re.findall(r"\b(%s) ?>= ?([0-9][0-9.]*[0-9])" % "|".join(map(re.escape, by_name)), readme)
    assert {name for name, _v in mentioned} == set(by_name)
    assert [(n, v) for n, v in mentioned if by_name[n] != v] == []


def test_oldest_core_venv_tests_the_declared_minimums():
    cores = os.path.join(ROOT, "requirements", "cores")
    oldest = sorted(os.listdir(cores), key=lambda f: tuple(int(p) for p in f[:-4].split(".")))[0]
    pins = {}
    with open(os.path.join(cores, oldest), encoding="utf-8") as handle:
        for line in handle:
            match = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line)
            if match:
                pins[match.group(1).lower()] = match.group(2)
    for dep in (_deps.DNSPYTHON, _deps.CRYPTOGRAPHY, _deps.REQUESTS):
        assert pins.get(dep.name) == dep.min_version, "%s pins %s==%s, _deps says %s" % (
            oldest, dep.name, pins.get(dep.name), dep.requirement)
