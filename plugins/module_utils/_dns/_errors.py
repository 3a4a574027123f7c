# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Exceptions shared by the DNS record-set engine and its providers."""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.module_utils._http_contract import (
    AuthFailure,
    TimeoutFailure,
    TLSFailure,
    UnreachableFailure,
)


class DNSError(Exception):
    """Base class: a message meant for the user, and optional details for the result."""

    def __init__(self, msg, **details):
        super(DNSError, self).__init__(msg)
        self.msg = msg
        self.details = details


class DNSInputError(DNSError):
    """The task's options are wrong; nothing was sent anywhere that changes state."""


class DNSProviderError(DNSError):
    """The provider answered with an error."""


class DNSAuthError(DNSProviderError, AuthFailure):
    """The provider rejected the credentials (TSIG key, API key, token)."""


class DNSNetworkError(DNSProviderError):
    """The provider could not be reached, also after the bounded retries."""

    # the result's ``error``: the subclasses by kind of the HTTP contract report as this class
    reported_as = "DNSNetworkError"


class DNSUnreachableError(DNSNetworkError, UnreachableFailure):
    """No connection to the provider's HTTP API (refused, reset, name not resolved)."""


class DNSTLSError(DNSNetworkError, TLSFailure):
    """The provider's HTTPS certificate did not verify (give ca_path) or the handshake failed."""


class DNSHTTPTimeoutError(DNSNetworkError, TimeoutFailure):
    """The provider's HTTP API did not answer within the timeout."""


class DNSConcurrentChangeError(DNSProviderError):
    """The zone changed between the read and the write; the write was refused or not attempted."""


class DNSTimeoutError(DNSError):
    """A bounded wait (propagation, provider sync) ran out of time."""
