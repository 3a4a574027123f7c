# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""The DNS names federation peers look up, in one place (publishing, checking and reporting all use these).

Legacy Rocket.Chat federation (up to 7.x) looks up, for a workspace domain, SRV ``_rocketchat._https.<domain>``,
then ``_rocketchat._http.<domain>``, then the old ``_rocketchat._tcp.<domain>`` (whose scheme the TXT
``rocketchat-tcp-protocol.<domain>`` gives), and reads the workspace public key from TXT
``rocketchat-public-key.<domain>``. Matrix servers look up SRV ``_matrix-fed._tcp.<server name>`` (spec v1.8) and
then the deprecated ``_matrix._tcp.<server name>``.
"""

from __future__ import annotations

# Legacy Rocket.Chat federation
LEGACY_SRV_HTTPS = "_rocketchat._https"
LEGACY_SRV_HTTP = "_rocketchat._http"
LEGACY_SRV_TCP = "_rocketchat._tcp"
LEGACY_SRV_BY_PROTOCOL = {"https": LEGACY_SRV_HTTPS, "http": LEGACY_SRV_HTTP}
# (SRV prefix, scheme) in the order Rocket.Chat tries them; the scheme of _tcp comes from LEGACY_PROTOCOL_TXT.
LEGACY_SRV_LOOKUP_ORDER = ((LEGACY_SRV_HTTPS, "https"), (LEGACY_SRV_HTTP, "http"), (LEGACY_SRV_TCP, "https"))
LEGACY_PUBLIC_KEY_TXT = "rocketchat-public-key"
LEGACY_PROTOCOL_TXT = "rocketchat-tcp-protocol"

# Matrix server discovery
MATRIX_SRV = "_matrix-fed._tcp"
MATRIX_SRV_DEPRECATED = "_matrix._tcp"
MATRIX_SRV_LOOKUP_ORDER = (MATRIX_SRV, MATRIX_SRV_DEPRECATED)


def under(prefix, domain):
    """``<prefix>.<domain>`` (``domain`` as given, with or without its trailing dot)."""
    return "%s.%s" % (prefix, domain)


def legacy_srv_name(domain, protocol="https"):
    """SRV name of a legacy workspace for ``protocol`` V(https) or V(http)."""
    try:
        return under(LEGACY_SRV_BY_PROTOCOL[protocol], domain)
    except KeyError:
        raise ValueError("protocol must be 'https' or 'http', not %r" % (protocol,)) from None


def legacy_tcp_srv_name(domain):
    return under(LEGACY_SRV_TCP, domain)


def legacy_public_key_name(domain):
    return under(LEGACY_PUBLIC_KEY_TXT, domain)


def legacy_protocol_name(domain):
    return under(LEGACY_PROTOCOL_TXT, domain)


def matrix_srv_name(server_name, deprecated=False):
    return under(MATRIX_SRV_DEPRECATED if deprecated else MATRIX_SRV, server_name)


def matrix_srv_names(server_name):
    """SRV names of a Matrix server, in lookup order."""
    return [under(prefix, server_name) for prefix in MATRIX_SRV_LOOKUP_ORDER]
