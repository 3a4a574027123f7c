# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Matrix server discovery as a federating peer performs it.

Resolution in the order of the server-server API, "Resolving server names": IP literal, explicit port,
``/.well-known/matrix/server`` (redirects followed, HTTP 308 flagged because Synapse does not follow it, body
capped at 50 KiB), SRV ``_matrix-fed._tcp`` then the deprecated ``_matrix._tcp``, then port 8448 -- together with
the name each TLS certificate must be valid for and the ``Host`` header at every step. The DNS client lives in
``_dnsclient``, the HTTPS client in ``_https``, the server-name grammar in ``_servername``.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.fedops.rocketchat.plugins.module_utils import _federation_names as names
from ansible_collections.fedops.rocketchat.plugins.module_utils import _http_contract as contract
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._dnsclient import order_srv, record_text
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._servername import format_host_port, parse_server_name


DEFAULT_FEDERATION_PORT = 8448
WELLKNOWN_MAX_BYTES = 50 * 1024


class WellKnownResult(object):
    """``state``: ``found`` (valid ``m.server``), ``absent`` (no usable answer: peers move on silently) or
    ``invalid`` (served but unusable or refused by peers: a configuration mistake)."""

    def __init__(self, url, state, m_server=None, delegated=None, error=None, hops=None, status=None,
                 redirect_308=False, tls=None, verify_error=None, error_cause=None):
        self.error_cause = error_cause
        self.url = url
        self.state = state
        self.m_server = m_server
        self.delegated = delegated
        self.error = error
        self.hops = hops or []
        self.status = status
        self.redirect_308 = redirect_308
        self.tls = tls
        self.verify_error = verify_error

    def as_dict(self):
        return {"url": self.url, "state": self.state, "m.server": self.m_server, "error": self.error,
                "hops": self.hops, "status": self.status, "redirect_308": self.redirect_308}


def fetch_server_wellknown(client, name):
    """Fetch and validate ``https://<host>/.well-known/matrix/server`` as Synapse does."""
    url = "https://%s/.well-known/matrix/server" % name.url_host
    response, hops, error = client.fetch(url, max_body=WELLKNOWN_MAX_BYTES)
    has_308 = any(h.get("status") == 308 for h in hops)
    if error is not None:
        state = "invalid" if error.kind == contract.TLS or has_308 else "absent"
        return WellKnownResult(url, state, error=error.message, hops=hops, redirect_308=has_308,
                               verify_error=error.verify_message, error_cause=error.cause)
    base = dict(hops=hops, status=response.status, redirect_308=has_308, tls=response.tls)
    if response.status != 200:
        state = "invalid" if has_308 else "absent"
        return WellKnownResult(url, state, error="HTTP %d %s" % (response.status, response.reason), **base)
    if response.truncated:
        return WellKnownResult(url, "invalid", error="body is larger than %d bytes" % WELLKNOWN_MAX_BYTES, **base)
    try:
        content = response.json()
    except ValueError as exc:
        return WellKnownResult(url, "invalid", error="body is not JSON: %s" % exc, **base)
    if not isinstance(content, dict) or not isinstance(content.get("m.server"), str) or not content["m.server"]:
        return WellKnownResult(url, "invalid", error='JSON has no "m.server" string', **base)
    m_server = content["m.server"]
    try:
        delegated = parse_server_name(m_server, '"m.server"')
    except ValueError as exc:
        return WellKnownResult(url, "invalid", m_server=m_server, error=str(exc), **base)
    if has_308:
        return WellKnownResult(url, "invalid", m_server=m_server, delegated=delegated,
                               error="reached through an HTTP 308 redirect, which Synapse does not follow", **base)
    return WellKnownResult(url, "found", m_server=m_server, delegated=delegated, **base)


class Target(object):
    """One host to connect to: ``host:port``, with the SNI/certificate name and Host header the spec prescribes."""

    def __init__(self, host, port, tls_name, host_header, source):
        self.host = host
        self.port = port
        self.tls_name = tls_name
        self.host_header = host_header
        self.source = source

    def as_dict(self):
        return {"host": self.host, "port": self.port, "tls_name": self.tls_name, "host_header": self.host_header,
                "source": self.source}


class Endpoint(object):
    """One resolved ``ip:port`` of a :class:`Target`."""

    def __init__(self, ip, port, target, note=None):
        self.ip = ip
        self.port = port
        self.target = target
        self.note = note

    @property
    def label(self):
        return format_host_port(self.ip, self.port)

    def as_dict(self):
        return dict(self.target.as_dict(), address=self.label, ip=self.ip, port=self.port, note=self.note)


class SrvLookup(object):
    def __init__(self, host, answers):
        self.host = host
        self.answers = answers          # [DnsAnswer for _matrix-fed, DnsAnswer for _matrix]
        self.used = None                # the DnsAnswer whose records are used, or None
        for answer in answers:
            if answer.ok:
                self.used = answer
                break

    @property
    def deprecated(self):
        return self.used is not None and self.used.name.startswith(names.MATRIX_SRV_DEPRECATED + ".")

    @property
    def records(self):
        return order_srv(self.used.records) if self.used else []

    @property
    def errors(self):
        return [a for a in self.answers if a.status == "error"]

    def as_dict(self):
        return {"host": self.host, "used": self.used.name if self.used else None, "deprecated": self.deprecated,
                "records": [r.as_dict() for r in self.records], "lookups": [a.as_dict() for a in self.answers]}


class Resolution(object):
    def __init__(self, name):
        self.name = name
        self.steps = []
        self.wellknown = None
        self.delegated = None
        self.srv = None
        self.targets = []
        self.host_lookups = {}     # host -> {"A": DnsAnswer, "AAAA": DnsAnswer}
        self.overrides_used = []
        self.endpoints = []
        self.errors = []

    def as_dict(self):
        return {
            "server_name": self.name.text,
            "steps": self.steps,
            "wellknown": self.wellknown.as_dict() if self.wellknown else None,
            "delegated": self.delegated.text if self.delegated else None,
            "srv": self.srv.as_dict() if self.srv else None,
            "targets": [t.as_dict() for t in self.targets],
            "addresses": [e.label for e in self.endpoints],
            "endpoints": [e.as_dict() for e in self.endpoints],
            "host_lookups": dict((h, dict((t, a.as_dict()) for t, a in v.items()))
                                 for h, v in self.host_lookups.items()),
            "errors": self.errors,
        }


def _srv_lookup(dns_client, host, submit):
    futures = [submit(dns_client.query, n, "SRV") for n in names.matrix_srv_names(host)]
    return SrvLookup(host, [f.result() for f in futures])


def _targets_for_host(res, host, host_header, tls_name, dns_client, submit, source):
    """Steps 3.3-3.5 / 4-6: SRV ``_matrix-fed`` -> ``_matrix`` -> port 8448 for a host without a port."""
    srv = _srv_lookup(dns_client, host, submit)
    res.srv = srv
    if srv.used is not None:
        res.steps.append("SRV %s: %s" % (srv.used.name, ", ".join(record_text(r) for r in srv.records)))
        return [Target(r.target, r.port, tls_name, host_header, "%s SRV" % srv.used.name) for r in srv.records]
    for answer in srv.errors:
        res.errors.append(answer.describe())
    res.steps.append("no SRV records for %s; using port %d" % (host, DEFAULT_FEDERATION_PORT))
    return [Target(host, DEFAULT_FEDERATION_PORT, tls_name, host_header, "%s (%s)" % (source, DEFAULT_FEDERATION_PORT))]


def resolve_server(name, dns_client, http_client, submit):
    """Resolve ``name`` (a :class:`ServerName`) to endpoints in the spec's order.

    ``submit(fn, *args)`` returns a future (a thread pool's ``submit``); lookups that may be needed are started
    together so the resolution costs about one round trip per step. Returns a :class:`Resolution`.
    """
    res = Resolution(name)
    if name.is_ip:
        port = name.port or DEFAULT_FEDERATION_PORT
        res.steps.append("server name is an IP literal: connect to %s, certificate for the IP"
                         % format_host_port(name.host, port))
        res.targets = [Target(name.host, port, name.host, name.text, "IP literal")]
    elif name.port is not None:
        res.steps.append("server name has an explicit port: connect to %s, no well-known, no SRV" % name.text)
        res.targets = [Target(name.host, name.port, name.host, name.text, "explicit port")]
    else:
        # Speculative: SRV and address lookups of the server name run while the well-known is fetched.
        srv_prefetch = [submit(dns_client.query, names.matrix_srv_name(name.host), "SRV"),
                        submit(dns_client.query, names.matrix_srv_name(name.host, deprecated=True), "SRV")]
        wellknown = fetch_server_wellknown(http_client, name)
        res.wellknown = wellknown
        if wellknown.state == "found":
            delegated = wellknown.delegated
            res.delegated = delegated
            res.steps.append("well-known %s: m.server %s" % (wellknown.url, wellknown.m_server))
            if delegated.is_ip:
                port = delegated.port or DEFAULT_FEDERATION_PORT
                res.targets = [Target(delegated.host, port, delegated.host, delegated.text, "well-known IP")]
            elif delegated.port is not None:
                res.targets = [Target(delegated.host, delegated.port, delegated.host, delegated.text,
                                      "well-known host:port")]
            else:
                res.targets = _targets_for_host(res, delegated.host, delegated.host, delegated.host, dns_client,
                                                submit, "well-known host")
        else:
            res.steps.append("well-known %s: %s (%s)" % (wellknown.url, wellknown.state, wellknown.error))
            for future in srv_prefetch:
                future.result()
            res.targets = _targets_for_host(res, name.host, name.host, name.host, dns_client, submit, "server name")
    _resolve_targets(res, dns_client, http_client, submit)
    return res


def _resolve_targets(res, dns_client, http_client, submit):
    overrides = http_client.overrides
    pending = []
    for target in res.targets:
        hit = overrides.lookup(target.host, target.port)
        if hit:
            res.overrides_used.append("%s -> %s" % (format_host_port(target.host, target.port), format_host_port(*hit)))
            pending.append((target, None, hit))
            continue
        try:
            ip = str(ipaddress.ip_address(target.host))
        except ValueError:
            futures = {}
            if target.host not in res.host_lookups:
                futures = dict((t, submit(dns_client.query, target.host, t)) for t in ("A", "AAAA"))
            pending.append((target, futures, None))
        else:
            pending.append((target, None, (ip, target.port)))
    seen = set()
    for target, futures, fixed in pending:
        if fixed is not None:
            endpoints = [Endpoint(fixed[0], fixed[1], target, "override" if fixed[0] != target.host else None)]
        else:
            if futures:
                res.host_lookups[target.host] = dict((t, f.result()) for t, f in futures.items())
            lookups = res.host_lookups[target.host]
            endpoints = [Endpoint(ip, target.port, target) for t in ("A", "AAAA") for ip in lookups[t].records]
        for endpoint in endpoints:
            key = (endpoint.ip, endpoint.port, target.tls_name, target.host_header)
            if key not in seen:
                seen.add(key)
                res.endpoints.append(endpoint)
