# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""The Rocket.Chat client's transport over one ``requests`` session (the calls themselves: :mod:`._exchange`).

* Keep-alive connection pool sized for the read concurrency (``max_workers``), blocking instead of
  opening throw-away connections.
* ``requests``' exceptions become the contract's situations: a TLS failure, a timeout, an unreachable server (a
  refused connection or a connect timeout carried no request, so any method may be sent again).
"""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.module_utils import _http_contract as contract
from ansible_collections.fedops.rocketchat.plugins.module_utils._requests import (  # noqa: F401  pylint: disable=unused-import
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    HTTPAdapter,
    requests,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._errors import RocketChatError
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._exchange import (  # noqa: F401  pylint: disable=unused-import
    MAX_RATE_LIMIT_RETRIES,
    RocketChatExchange,
)


class RocketChatTransport(RocketChatExchange):
    """:class:`._exchange.RocketChatExchange` over a ``requests`` session unless another session is given."""

    def _new_session(self, ca_path, validate_certs):
        if not HAS_REQUESTS:
            raise RocketChatError("the Python library requests is required")
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=self.max_workers, max_retries=0, pool_block=True)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.verify = ca_path if (validate_certs and ca_path) else bool(validate_certs)
        return session

    def _session_errors(self):
        if not HAS_REQUESTS:
            return (contract.HTTPFailure,)
        return (requests.exceptions.RequestException, contract.HTTPFailure)

    def _session_failure(self, exc, url, kind=None, refused=None):
        if not HAS_REQUESTS or isinstance(exc, contract.HTTPFailure):
            return super(RocketChatTransport, self)._session_failure(exc, url, kind, refused)
        if isinstance(exc, requests.exceptions.SSLError):
            kind = contract.TLS
        elif isinstance(exc, requests.exceptions.Timeout):
            kind = contract.TIMEOUT
        elif isinstance(exc, requests.exceptions.ConnectionError):
            kind = contract.UNREACHABLE
        else:
            kind = contract.CLIENT_ERROR
        # A connection never opened (refused, connect timeout) carried no request: safe for any method.
        refused = kind in (contract.TIMEOUT, contract.UNREACHABLE) and (
            isinstance(exc, requests.exceptions.ConnectTimeout) or contract.refused_connection(exc))
        return super(RocketChatTransport, self)._session_failure(exc, url, kind, refused)
