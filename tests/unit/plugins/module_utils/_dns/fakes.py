# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An in-memory provider that records what the engine asks of it."""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._provider import DNSProvider


class MemoryProvider(DNSProvider):
    name = "memory"

    def __init__(self, zone="example.com.", records=None, atomic=False):
        super(MemoryProvider, self).__init__({})
        self.zone = zone
        self.records = dict((r.key, r) for r in (records or []))
        self.reads = []
        self.applied = []
        self.atomic_cname_check = atomic

    def find_zone(self, names, zone=None):
        return zone or self.zone

    def read(self, zone, keys):
        keys = list(keys)
        self.reads.append(keys)
        for (name, rtype), rrset in self.records.items():
            if rtype == "CNAME":
                self.cname_conflicts[name] = rrset.values[0]
        return dict((k, self.records.get(k)) for k in keys)

    def apply(self, zone, changes, current, cname_guard=()):
        self.applied.append((list(changes), list(cname_guard)))
        for change in changes:
            if change.after is None:
                self.records.pop(change.key, None)
            else:
                self.records[change.key] = change.after
        return {"writes": len(self.applied)}
