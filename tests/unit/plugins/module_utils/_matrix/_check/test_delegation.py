# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Records for the well-known and SRV discovery steps."""

from __future__ import annotations

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _discovery as d
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _delegation as deleg


@pytest.mark.parametrize("kwargs, status", [
    (dict(status=404, error="HTTP 404 Not Found"), "pass"),
    (dict(error="connection refused", error_cause="refused"), "pass"),
    (dict(error="example.org has no A or AAAA records", error_cause="dns"), "pass"),
    (dict(error="timed out", error_cause="timeout"), "warn"),
    (dict(status=500, error="HTTP 500 Internal Server Error"), "warn"),
])
def test_absent_wellknown(kwargs, status):
    wellknown = d.WellKnownResult("https://example.org/.well-known/matrix/server", "absent", **kwargs)
    assert deleg.wellknown_record(wellknown, None)["status"] == status


def test_invalid_wellknown_hints():
    url = "https://example.org/.well-known/matrix/server"
    rec = deleg.wellknown_record(d.WellKnownResult(url, "invalid", error="x", redirect_308=True), None)
    assert rec["status"] == "fail" and "308" in rec["hint"]
    rec = deleg.wellknown_record(d.WellKnownResult(url, "invalid", error="x", verify_error="Hostname mismatch"), None)
    assert "certificate for example.org" in rec["hint"] and "Hostname mismatch" in rec["hint"]
    rec = deleg.wellknown_record(d.WellKnownResult(url, "invalid", error="x", m_server="a b"), None)
    assert '"<hostname>[:<port>]"' in rec["hint"]
    assert deleg.wellknown_record(None, None)["status"] == "skip"
