# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Runs the checks: the Matrix path and the legacy Rocket.Chat path, concurrently on a thread pool.

:func:`run_checks` returns the records, the verdict and a short report. Nothing here changes anything anywhere.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _discovery as disc
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._dnsclient import DnsClient
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._https import HttpsClient
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._servername import (
    AddressOverrides,
    parse_server_name,
    server_name_warnings,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _families
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check._appservice import (
    check_appservice,
    check_appservice_transaction,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check._delegation import (
    check_client_wellknown,
    discovery_records,
    wellknown_record,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check._endpoint import check_endpoint
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check._keyserver import check_consistency, check_expected
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check._legacy import check_rocketchat
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check._report import (
    FAIL,
    PASS,
    WARN,
    record,
    render_report,
    verdict,
)


class CheckContext(object):
    """What the network checks share: clients, a thread pool and the options."""

    def __init__(self, options, dns_client, http_client, pool, now=None):
        self.options = options
        self.dns = dns_client
        self.http = http_client
        self.pool = pool
        self.now = now if now is not None else time.time()
        ca_path = options.get("ca_path")
        self.ca_desc = "the CA bundle %s" % ca_path if ca_path else "the system trust store"

    def submit(self, fn, *args, **kwargs):
        return self.pool.submit(fn, *args, **kwargs)


class InlineExecutor(object):
    """A stand-in for a thread pool that runs each task at once in the caller (sequential mode)."""

    def submit(self, fn, *args, **kwargs):
        future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # pylint: disable=broad-except
            future.set_exception(exc)
        return future

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def run_checks(options, dns_client=None, http_client=None, now=None, max_workers=16, sequential=False):
    """Run every applicable check; returns the module result (without ``changed``).

    Lookups and connections run concurrently on a thread pool of ``max_workers``; ``sequential=True`` runs
    them one after the other (same results, for comparison and debugging).
    """
    dns_client = dns_client or DnsClient(options.get("nameservers"), options.get("timeout", 10.0))
    http_client = http_client or HttpsClient(dns_client, AddressOverrides(options.get("resolve")),
                                             options.get("ca_path"), options.get("timeout", 10.0))
    records = []
    summary = []
    result = {}
    with (InlineExecutor() if sequential else ThreadPoolExecutor(max_workers=max_workers)) as pool:
        ctx = CheckContext(options, dns_client, http_client, pool, now)
        rc_future = ctx.submit(check_rocketchat, ctx) if options.get("rocketchat") else None
        if options.get("server_name"):
            records_m, summary_m, result_m = _matrix_checks(ctx)
            records.extend(records_m)
            summary.extend(summary_m)
            result.update(result_m)
        if rc_future is not None:
            rc_records, rc_data = rc_future.result()
            records.extend(rc_records)
            result["rocketchat"] = rc_data
            if rc_data.get("url"):
                summary.append("Rocket.Chat %s -> %s" % (rc_data["domain"], rc_data["url"]))
    ok, failed, warned = verdict(records)
    result["certificates"] = [
        {"target": r["target"], "status": r["status"], "names": r["data"].get("dns_names", []),
         "not_after": r["data"].get("not_after"), "days_left": r["data"].get("days_left")}
        for r in records if r["name"] == "tls_certificate" and r["data"].get("not_after")]
    subject = " + ".join(x for x in (options.get("server_name"), (options.get("rocketchat") or {}).get("domain")) if x)
    lines = render_report(subject, records, summary)
    result.update({
        "federation_ok": ok,
        "checks": records,
        "failed_checks": sorted(set(r["name"] for r in failed)),
        "warning_checks": sorted(set(r["name"] for r in warned)),
        "report": "\n".join(lines),
        "report_lines": lines,
        "stats": {"dns_queries": getattr(dns_client, "queries", None),
                  "http_requests": getattr(http_client, "requests", None),
                  "tls_connections": getattr(http_client, "connections", None)},
    })
    return result


def _matrix_checks(ctx):
    options = ctx.options
    records = []
    name = parse_server_name(options["server_name"], "server_name")
    warnings = server_name_warnings(name)
    records.append(record("server_name", WARN if warnings else PASS, "; ".join(warnings) or name.text,
                          "use the lower-case form consistently" if warnings else None))
    client_future = None
    if options.get("client_wellknown", True) and not name.is_ip:
        client_future = ctx.submit(check_client_wellknown, ctx, name)
    appservice = options.get("appservice")
    ping_future = None
    if appservice and appservice.get("homeserver_url"):
        ping_future = ctx.submit(check_appservice, ctx, appservice["homeserver_url"])
    transaction_future = None
    if appservice and appservice.get("hs_token") and appservice.get("url"):
        transaction_future = ctx.submit(check_appservice_transaction, ctx)
    res = disc.resolve_server(name, ctx.dns, ctx.http, ctx.submit)
    records.append(wellknown_record(res.wellknown, ctx))
    records.extend(discovery_records(res))
    endpoint_futures = [(e, ctx.submit(check_endpoint, ctx, e, name.text)) for e in res.endpoints]
    required = options.get("peer_families") or _families.FAMILIES
    native_future = ctx.submit(_families.check_rocketchat_native, ctx, res, _families.ROCKETCHAT_NATIVE in required)
    responses = {}
    key_sets = {}
    for endpoint, future in endpoint_futures:
        endpoint_records, doc, good = future.result()
        records.extend(endpoint_records)
        if doc is not None:
            responses[endpoint.label] = doc
            key_sets[endpoint.label] = good
    if not res.endpoints:
        records.append(record("connection", FAIL, "no address to connect to",
                              "publish A/AAAA records for the homeserver host (see the addresses check)"))
    records.append(check_consistency(key_sets))
    records.append(native_future.result())
    families = _families.family_summary(records, required)
    expected = options.get("_expected_keys")
    if expected:
        records.append(check_expected(expected, responses))
    base_url = None
    if client_future is not None:
        client_record, base_url = client_future.result()
        records.append(client_record)
    if appservice:
        if ping_future is None:
            url = base_url or "https://%s" % name.text
            ping_future = ctx.submit(check_appservice, ctx, url)
        records.append(ping_future.result())
    if transaction_future is not None:
        records.append(transaction_future.result())
    summary = res.steps + (["addresses: %s" % ", ".join(e.label for e in res.endpoints)] if res.endpoints else [])
    summary += _families.summary_lines(families)
    versions = [r["data"].get("server") for r in records if r["name"] == "federation_version" and r["status"] == PASS]
    result = {"server_name": name.text, "discovery": res.as_dict(), "peer_families": families,
              "keys": responses, "version": versions[0] if versions else None}
    return records, summary, result
