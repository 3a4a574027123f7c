# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""dnspython, imported once and guarded (every submodule the collection uses): ``HAS_DNSPYTHON`` and
``DNSPYTHON_IMPORT_ERROR`` let modules fail with ``_deps.DNSPYTHON.missing()``; ``dns`` is None without it."""

from __future__ import annotations

import traceback

DNSPYTHON_IMPORT_ERROR = None
try:
    import dns.exception
    import dns.flags
    import dns.message
    import dns.name
    import dns.nameserver
    import dns.query
    import dns.rcode
    import dns.rdata
    import dns.rdataclass
    import dns.rdataset
    import dns.rdatatype
    import dns.rdtypes.ANY.TXT
    import dns.resolver
    import dns.tsig
    import dns.tsigkeyring
    import dns.update
    import dns.xfr
except ImportError:
    dns = None  # pylint: disable=invalid-name
    HAS_DNSPYTHON = False
    DNSPYTHON_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_DNSPYTHON = True
