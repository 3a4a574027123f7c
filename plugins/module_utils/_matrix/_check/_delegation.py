# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Records for the discovery steps (well-known, SRV, SRV targets, addresses) and the client well-known."""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.module_utils import _http_contract as contract
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _discovery as disc
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._https import HttpError
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check._report import FAIL, PASS, SKIP, WARN, record


def wellknown_record(wellknown, ctx):
    if wellknown is None:
        return record("wellknown_server", SKIP, "not used (IP literal or explicit port)")
    data = wellknown.as_dict()
    if wellknown.state == "found":
        return record("wellknown_server", PASS, "m.server %s (%s)" % (wellknown.m_server, wellknown.url), data=data)
    if wellknown.state == "absent":
        # No listener, no address or 404: a plain "not delegated by well-known". Anything else (timeouts, 5xx,
        # 403) makes peers wait or retry and is likely a mistake.
        clean = wellknown.status == 404 or wellknown.error_cause in ("refused", "dns")
        return record("wellknown_server", PASS if clean else WARN,
                      "not served (%s): peers use SRV or port 8448" % wellknown.error,
                      "serve /.well-known/matrix/server, or answer 404 if delegation by well-known is not wanted",
                      data=data)
    if wellknown.redirect_308:
        hint = "Synapse does not follow HTTP 308: use 301 or 302 for this redirect"
    elif wellknown.verify_error:
        host = wellknown.url.split("/")[2]
        hint = ("peers ignore a well-known with a bad certificate: serve a certificate for %s that peers trust (%s)"
                % (host, wellknown.verify_error))
    elif wellknown.m_server is not None:
        hint = 'm.server must be "<hostname>[:<port>]", e.g. {"m.server": "matrix.example.org:443"}'
    else:
        hint = 'serve JSON like {"m.server": "matrix.example.org:443"} (under 50 KiB) with status 200'
    return record("wellknown_server", FAIL, "%s: %s" % (wellknown.url, wellknown.error), hint, data=data)


def discovery_records(res):
    out = []
    if res.srv is None:
        out.append(record("srv", SKIP, "SRV is not consulted (%s)" % (
            "well-known gives a port or an IP" if res.wellknown is not None else "IP literal or explicit port")))
    elif res.srv.used is None and res.srv.errors:
        out.append(record("srv", FAIL, "; ".join(a.describe() for a in res.srv.errors),
                          "fix the DNS servers for %s: some peers give up, others fall back to port 8448"
                          % res.srv.host, data=res.srv.as_dict()))
    elif res.srv.used is None:
        out.append(record("srv", PASS, "no SRV records for %s: port %d" % (res.srv.host, disc.DEFAULT_FEDERATION_PORT),
                          data=res.srv.as_dict()))
    elif res.srv.deprecated:
        out.append(record("srv", WARN, "only the deprecated %s exists" % res.srv.used.name,
                          "publish SRV _matrix-fed._tcp.%s too (spec v1.8); _matrix._tcp is deprecated"
                          % res.srv.host, data=res.srv.as_dict()))
    else:
        out.append(record("srv", PASS, res.srv.used.describe(), data=res.srv.as_dict()))
    if res.srv is not None and res.srv.used is not None:
        for srv_record in res.srv.records:
            target = srv_record.target
            lookups = res.host_lookups.get(target)
            if target in ("", "."):
                out.append(record("srv_target", FAIL, "SRV target '.' means the service is not available",
                                  "point the SRV record at the homeserver's host", target))
                continue
            if not lookups:
                out.append(record("srv_target", PASS, "%s (address from an override)" % target, target=target))
                continue
            cname = next((a for a in lookups.values() if a.is_cname), None)
            if cname is not None:
                out.append(record("srv_target", FAIL, "SRV target %s is a CNAME (to %s)" % (target, cname.canonical_name),
                                  "RFC 2782 forbids CNAME targets and the federation tester rejects them: point the "
                                  "SRV record at %s or give %s its own A/AAAA records" % (cname.canonical_name, target),
                                  target))
            else:
                out.append(record("srv_target", PASS, "%s is not a CNAME" % target, target=target))
    for target in res.targets:
        lookups = res.host_lookups.get(target.host)
        if lookups is None:
            continue
        v4, v6 = lookups["A"], lookups["AAAA"]
        addrs = v4.records + v6.records
        data = {"A": v4.records, "AAAA": v6.records}
        if not addrs:
            errors = [a.describe() for a in (v4, v6) if a.status == "error"]
            out.append(record("addresses", FAIL, "%s has no A or AAAA records%s" % (
                target.host, (" (%s)" % "; ".join(errors)) if errors else ""),
                "publish A/AAAA records for %s (%s)" % (target.host, target.source), target.host, data))
        elif v6.status == "error" or v4.status == "error":
            bad = v6 if v6.status == "error" else v4
            out.append(record("addresses", WARN, "%s; %s" % (", ".join(addrs), bad.describe()),
                              "fix the %s lookup: peers using it cannot connect" % bad.rdtype, target.host, data))
        else:
            out.append(record("addresses", PASS, ", ".join(addrs), target=target.host, data=data))
    return out


def check_client_wellknown(ctx, name):
    url = "https://%s/.well-known/matrix/client" % name.url_host
    response, hops, error = ctx.http.fetch(url, max_body=disc.WELLKNOWN_MAX_BYTES)
    data = {"url": url, "hops": hops}
    if error is not None:
        status = WARN if error.kind == contract.TLS else PASS
        return record("wellknown_client", status, "%s: %s" % (url, error.message),
                      "clients cannot discover the homeserver from %s: fix the certificate" % name.host, data=data), None
    if response.status == 404:
        return record("wellknown_client", PASS, "not served (HTTP 404): clients need the full homeserver URL",
                      data=data), None
    if response.status != 200:
        return record("wellknown_client", WARN, "%s: HTTP %d" % (url, response.status),
                      "serve /.well-known/matrix/client with status 200 or 404", data=data), None
    try:
        content = response.json()
        base_url = content["m.homeserver"]["base_url"]
        if not isinstance(base_url, str) or not base_url.startswith(("https://", "http://")):
            raise ValueError("base_url is not an http(s) URL")
    except (ValueError, KeyError, TypeError) as exc:
        return record("wellknown_client", FAIL, "%s: no valid m.homeserver.base_url (%s)" % (url, exc),
                      'serve {"m.homeserver": {"base_url": "https://matrix.example.org"}}', data=data), None
    data["base_url"] = base_url
    versions_url = base_url.rstrip("/") + "/_matrix/client/versions"
    try:
        versions = ctx.http.request_url(versions_url)
        ok = versions.status == 200 and isinstance(versions.json().get("versions"), list)
        why = "HTTP %d" % versions.status
    except (HttpError, ValueError, AttributeError) as exc:
        ok, why = False, getattr(exc, "message", str(exc))
    if not ok:
        return record("wellknown_client", FAIL, "m.homeserver.base_url %s does not answer %s (%s)" % (
            base_url, versions_url, why), "point base_url at the client API (Synapse's client listener or proxy)",
            data=data), base_url
    return record("wellknown_client", PASS, "base_url %s answers /_matrix/client/versions" % base_url,
                  data=data), base_url
