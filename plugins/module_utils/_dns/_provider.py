# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""The provider abstraction: every DNS backend implements this small interface.

The engine (`_engine.py`) calls, in order:

1. `find_zone(names, zone)` - the zone holding every record (given, or looked up);
2. `read(zone, keys)` - the current RRsets for (name, type) keys, in bulk or concurrently;
3. `apply(zone, changes, current, cname_guard)` - ONE write carrying every change (or as few
   calls as the API allows), returning provider ids;
4. `default_propagation_servers(zone)` - where `wait_for_propagation` polls by default.

Providers raise the exceptions of `_errors.py`; nothing else may escape.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.fedops.rocketchat.plugins.module_utils._retry import RetryPolicy
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._https import check_ca_bundle
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import DNSInputError
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._records import is_subdomain


class DNSProvider(object):
    """Base class. Subclasses set `name` and implement the four methods."""

    name = None
    # True when apply() itself asserts, atomically, that in-zone SRV targets are not CNAMEs.
    atomic_cname_check = False
    # Record types the provider can manage.
    supported_types = ("A", "AAAA", "CNAME", "SRV", "TXT")
    # How the provider hands TXT values over (a _txt.TXTFormat); its decode_values/encode are the only TXT codec.
    txt_format = None

    def __init__(self, options, timeout=10, retries=3, warn=None):
        self.options = options or {}
        self.timeout = timeout
        self.policy = RetryPolicy(retries=retries, base_delay=0.25, max_delay=4.0, jitter=0.3, max_asked=16.0)
        self.warn = warn or (lambda msg: None)
        self.zone_id = None
        # Names found holding a CNAME while reading (name -> CNAME target); filled by read().
        self.cname_conflicts = {}
        # Requests/messages sent, by kind; returned to the user for transparency.
        self.stats = {}
        self._stats_lock = threading.Lock()

    def ca_path(self):
        """The provider's ``ca_path`` option, checked to be a PEM bundle of CA certificates before any request."""
        path = self.options.get("ca_path")
        if path:
            try:
                check_ca_bundle(path)
            except ValueError as exc:
                raise DNSInputError("%s.ca_path: %s" % (self.name, exc))
        return path

    def count(self, kind, amount=1):
        """Count a request or message (called from reader threads too)."""
        with self._stats_lock:
            self.stats[kind] = self.stats.get(kind, 0) + amount

    @staticmethod
    def candidate_zones(names):
        """Suffixes shared by all `names`, longest first (the zone must be one of them)."""
        first = names[0].rstrip(".").split(".")
        candidates = []
        for index in range(len(first)):
            suffix = ".".join(first[index:]) + "."
            if all(is_subdomain(n, suffix) for n in names):
                candidates.append(suffix)
        return candidates

    def find_zone(self, names, zone=None):
        raise NotImplementedError

    def read(self, zone, keys):
        """Current RRsets by key; by default one `_read_one` call per key, run concurrently."""
        keys = list(keys)
        if not keys:
            return {}
        with ThreadPoolExecutor(max_workers=min(8, len(keys))) as pool:
            futures = [(key, pool.submit(self._read_one, key)) for key in keys]
            return dict((key, future.result()) for key, future in futures)

    def _read_one(self, key):
        """The current RRset for one (name, type) key, or None; providers that use the default `read` implement it."""
        raise NotImplementedError

    def apply(self, zone, changes, current, cname_guard=()):
        raise NotImplementedError

    def default_propagation_servers(self, zone):
        from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._propagation import system_nameservers
        return system_nameservers(zone, self.timeout)

    def close(self):
        """Release connections and thread pools."""
