# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Publish ACME challenge responses and take them down again.

* DNS-01: TXT ``_acme-challenge.<name>`` through the collection's DNS providers (the ``_dns`` engine, so RFC 2136,
  PowerDNS, Cloudflare and Route 53 behave exactly as in ``federation_dns``), then wait until the zone's servers
  answer with it.
* HTTP-01: a file ``<webroot>/.well-known/acme-challenge/<token>`` that the web server serves.

Every publisher remembers what it is about to publish *before* it writes, so ``cleanup()`` (always called, also
after a failure half-way) removes exactly what may have been written, and nothing else.
"""

from __future__ import annotations

import os

from ansible_collections.fedops.rocketchat.plugins.module_utils._acme._errors import ACMEError
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import DNSError

HTTP01_DIR = (".well-known", "acme-challenge")


class DNSChallengePublisher(object):
    """TXT records through one DNS provider; ``publish([(record_name, value), ...])``."""

    kind = "dns-01"

    def __init__(self, params, warn=None):
        from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _module
        self.params = params
        self.warn = warn or (lambda msg: None)
        self.provider = _module.make_provider(params, warn=self.warn)
        self.pending = []  # (name, [values]) possibly written
        self.stats = {"published": 0, "removed": 0}

    def _engine_params(self, name, values, state, wait):
        return {
            "state": state,
            "zone": self.params.get("zone"),
            "ttl": self.params.get("challenge_ttl") or 60,
            "records": [{"name": name, "type": "TXT", "values": list(values)}],
            "wait_for_propagation": wait,
            "propagation_servers": self.params.get("propagation_servers"),
            "propagation_timeout": self.params.get("propagation_timeout") or 120,
        }

    def publish(self, records):
        from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _engine
        grouped = {}
        for name, value in records:
            grouped.setdefault(name, []).append(value)
        for name in sorted(grouped):
            self.pending.append((name, grouped[name]))
            try:
                _engine.run(self.provider, self._engine_params(name, grouped[name], "present", True))
            except DNSError as exc:
                raise ACMEError("publishing the dns-01 challenge %s TXT through provider %s failed: %s"
                                % (name, self.params["provider"], exc.msg), stage="publish") from None
            self.stats["published"] += 1

    def cleanup(self):
        """Remove what publish() may have written; returns the problems (empty when all went)."""
        from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _engine
        problems = []
        for name, values in self.pending:
            try:
                result = _engine.run(self.provider, self._engine_params(name, values, "absent", False))
                if result["changed"]:
                    self.stats["removed"] += 1
            except DNSError as exc:
                problems.append("%s TXT: %s" % (name, exc.msg))
        self.pending = []
        self.provider.close()
        return problems


class HTTPChallengePublisher(object):
    """Files in ``<webroot>/.well-known/acme-challenge/``; ``publish([(token, content), ...])``."""

    kind = "http-01"

    def __init__(self, webroot):
        self.directory = os.path.join(webroot, *HTTP01_DIR)
        self.pending = []
        self.stats = {"published": 0, "removed": 0}

    def publish(self, records):
        try:
            os.makedirs(self.directory, mode=0o755, exist_ok=True)
        except OSError as exc:
            raise ACMEError("webroot: cannot create %s: %s" % (self.directory, exc.strerror), stage="publish") from None
        for token, content in records:
            path = os.path.join(self.directory, token)
            self.pending.append(path)
            tmp = path + ".tmp"
            try:
                with open(tmp, "w", encoding="ascii") as handle:
                    handle.write(content)
                os.chmod(tmp, 0o644)
                os.rename(tmp, path)
            except OSError as exc:
                raise ACMEError("webroot: cannot write %s: %s" % (path, exc.strerror), stage="publish") from None
            self.stats["published"] += 1

    def cleanup(self):
        problems = []
        for path in self.pending:
            for name in (path + ".tmp", path):
                try:
                    os.unlink(name)
                    if name == path:
                        self.stats["removed"] += 1
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    problems.append("%s: %s" % (name, exc.strerror))
        self.pending = []
        return problems
