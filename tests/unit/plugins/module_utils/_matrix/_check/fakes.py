# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared data and fakes for the check unit tests."""

from __future__ import annotations

import json

from tests.emulator.rocketchat.profiles import legacy_public_key

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _dnsclient as dc
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _orchestrate as orch

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _signedjson as sj


SERVER = "example.org"
SEED = bytes(range(32))
SEED2 = bytes(range(1, 33))
PUB = sj.unpadded_b64encode(sj.public_key_from_seed(SEED))
PUB2 = sj.unpadded_b64encode(sj.public_key_from_seed(SEED2))
NOW_MS = 1_800_000_000_000


def key_doc(server=SERVER, vut=NOW_MS + 86400 * 1000, keys=(("ed25519:a_one", SEED),), sign_as=None, old=None):
    doc = {"server_name": server, "valid_until_ts": vut, "old_verify_keys": old or {},
           "verify_keys": dict((kid, {"key": sj.unpadded_b64encode(sj.public_key_from_seed(seed))})
                               for kid, seed in keys)}
    for kid, seed in keys:
        doc = sj.sign_json(doc, sign_as or server, kid, seed)
    return doc


def statuses(records):
    return dict((r["name"], r["status"]) for r in records)


DOMAIN = "chat.example.com"
KEY = legacy_public_key()


def rc_answers(https=None, http=None, tcp=None, key=None, protocol=None, **status):
    def srv(name, records):
        if name in status:
            return dc.DnsAnswer(name, "SRV", status[name], error="SERVFAIL")
        return dc.DnsAnswer(name, "SRV", "ok", records) if records else dc.DnsAnswer(name, "SRV", "nxdomain")

    def txt(name, records):
        return dc.DnsAnswer(name, "TXT", "ok", records) if records else dc.DnsAnswer(name, "TXT", "nxdomain")

    return {
        "_rocketchat._https." + DOMAIN: srv("_rocketchat._https." + DOMAIN, https),
        "_rocketchat._http." + DOMAIN: srv("_rocketchat._http." + DOMAIN, http),
        "_rocketchat._tcp." + DOMAIN: srv("_rocketchat._tcp." + DOMAIN, tcp),
        "rocketchat-public-key." + DOMAIN: txt("rocketchat-public-key." + DOMAIN, key),
        "rocketchat-tcp-protocol." + DOMAIN: txt("rocketchat-tcp-protocol." + DOMAIN, protocol),
    }


SRV_443 = [dc.SrvRecord(1, 1, 443, DOMAIN + ".")]


def split_key(text, size=100):
    return [text[i:i + size].encode() for i in range(0, len(text), size)]


class Resp(object):
    def __init__(self, status, body):
        self.status = status
        self.body = json.dumps(body).encode()
        self.headers = {}

    def json(self):
        return json.loads(self.body.decode())


class FakeHttp(object):
    def __init__(self, response):
        self.response = response
        self.calls = []

    def request_url(self, url, method="GET", headers=None, body=None):
        self.calls.append((method, url, headers, body))
        if isinstance(self.response, Exception):
            raise self.response
        return self.response


def ctx_with(response, **options):
    opts = {"server_name": SERVER, "appservice": {"id": "rc|1", "as_token": "secret-as"}}
    opts.update(options)
    return orch.CheckContext(opts, None, FakeHttp(response), None, now=1000.0)


class FakeDns(object):
    def __init__(self, answers):
        self.answers = answers
        self.queries = 0

    def query(self, name, rdtype):
        self.queries += 1
        return self.answers[name]
