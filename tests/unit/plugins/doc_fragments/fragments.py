# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared by the doc fragment tests: parse a fragment's YAML, check its options, find the modules using it."""

from __future__ import annotations

import ast
import os

import yaml

TYPES = ("str", "int", "float", "bool", "list", "dict", "path", "raw", "jsonarg", "json", "bytes", "bits")


def parse(fragment_module, attribute="DOCUMENTATION"):
    """The YAML of one attribute of the fragment's ModuleDocFragment, as a dict."""
    text = getattr(fragment_module.ModuleDocFragment, attribute)
    data = yaml.safe_load(text)
    assert isinstance(data, dict), "%s.%s is not a YAML mapping" % (fragment_module.__name__, attribute)
    assert isinstance(data.get("options"), dict), "%s.%s has no options mapping" % (fragment_module.__name__, attribute)
    return data


def attributes_of(fragment_module):
    """Names of the fragment attributes (DOCUMENTATION and the named ones, upper case)."""
    return sorted(name for name in vars(fragment_module.ModuleDocFragment) if name.isupper())


def option_problems(options, prefix=""):
    """Every option (and suboption) has a non-empty description and a known type; defaults match choices."""
    problems = []
    for name, spec in options.items():
        where = prefix + name
        description = spec.get("description")
        if not description or (isinstance(description, list) and not all(str(d).strip() for d in description)):
            problems.append("%s: no description" % where)
        if spec.get("type", "str") not in TYPES:
            problems.append("%s: unknown type %r" % (where, spec.get("type")))
        if "type" not in spec:
            problems.append("%s: no type" % where)
        if spec.get("choices") and spec.get("default") is not None and spec["default"] not in spec["choices"]:
            problems.append("%s: default %r is not one of the choices" % (where, spec["default"]))
        if spec.get("required") and "default" in spec:
            problems.append("%s: required with a default" % where)
        if "suboptions" in spec:
            problems.extend(option_problems(spec["suboptions"], where + "."))
    return problems


def spec_differences(options, argument_spec, prefix=""):
    """Where the documented options disagree with an argument spec on type, default, choices, required, aliases."""
    problems = []
    for name, doc in options.items():
        where = prefix + name
        spec = argument_spec.get(name)
        if spec is None:
            problems.append("%s: documented but not in the argument spec" % where)
            continue
        for key, fallback in (("type", "str"), ("default", None), ("choices", None), ("required", False),
                              ("aliases", None), ("elements", None)):
            documented, coded = doc.get(key, fallback), spec.get(key, fallback)
            if key == "default" and coded == [] and documented is None:
                continue
            if documented != coded:
                problems.append("%s: %s is %r in the docs but %r in the code" % (where, key, documented, coded))
        if "suboptions" in doc or "options" in spec:
            problems.extend(spec_differences(doc.get("suboptions", {}), spec.get("options", {}), where + "."))
            for missing in sorted(set(spec.get("options", {})) - set(doc.get("suboptions", {}))):
                problems.append("%s.%s: in the argument spec but not documented" % (where, missing))
    return problems


def modules_dir(fragment_module):
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(fragment_module.__file__))), "modules")


def fragment_users(fragment_module, attribute="DOCUMENTATION"):
    """Module names whose DOCUMENTATION extends this fragment attribute (fedops.rocketchat.<file>[.<attr>])."""
    base = "fedops.rocketchat." + fragment_module.__name__.rsplit(".", 1)[1]
    wanted = base if attribute == "DOCUMENTATION" else base + "." + attribute.lower()
    users = []
    directory = modules_dir(fragment_module)
    for filename in sorted(os.listdir(directory)):
        if not filename.endswith(".py") or filename.startswith("__"):
            continue
        with open(os.path.join(directory, filename)) as handle:
            tree = ast.parse(handle.read())
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "DOCUMENTATION" for t in node.targets):
                doc = yaml.safe_load(node.value.value)
                if wanted in (doc.get("extends_documentation_fragment") or []):
                    users.append(filename[:-3])
    return users


def action_group(fragment_module, attribute):
    """(action_group attribute with its description as one text, membership list) of a fragment attribute."""
    group = dict(parse(fragment_module, attribute)["attributes"]["action_group"])
    if isinstance(group["description"], list):
        group["description"] = " ".join(group["description"])
    return group, group["membership"]
