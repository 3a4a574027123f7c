# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fake DNS and HTTP clients for the discovery and check unit tests (no network)."""

from __future__ import annotations

import json
from concurrent.futures import Future

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _dnsclient as dc
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _https as h
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _servername as sn


class FakeDns(object):
    def __init__(self, records=None):
        self.records = records or {}
        self.asked = []

    def query(self, name, rdtype):
        self.asked.append((name, rdtype))
        value = self.records.get((name, rdtype))
        if value is None:
            return dc.DnsAnswer(name, rdtype, "nxdomain")
        if isinstance(value, dc.DnsAnswer):
            return value
        return dc.DnsAnswer(name, rdtype, "ok", value)


class FakeResponse(object):
    def __init__(self, status, body, truncated=False):
        self.status = status
        self.reason = "R"
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.truncated = truncated
        self.tls = None

    def json(self):
        return json.loads(self.body.decode())


class FakeHttp(object):
    def __init__(self, answers=None, overrides=None):
        self.answers = answers or {}
        self.overrides = sn.AddressOverrides(overrides)
        self.fetched = []

    def fetch(self, url, max_body=0, verify=True):
        self.fetched.append(url)
        answer = self.answers.get(url)
        if answer is None:
            return None, [{"url": url, "status": None}], h.HttpError("refused", "connection refused")
        if isinstance(answer, h.HttpError):
            return None, [{"url": url, "status": None}], answer
        response, statuses = answer if isinstance(answer, tuple) else (answer, [answer.status])
        return response, [{"url": url, "status": s} for s in statuses], None


def submit(fn, *args):
    future = Future()
    future.set_result(fn(*args))
    return future
