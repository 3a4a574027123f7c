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
    import dns.exception  # noqa: F401  pylint: disable=unused-import
    import dns.flags  # noqa: F401  pylint: disable=unused-import
    import dns.message  # noqa: F401  pylint: disable=unused-import
    import dns.name  # noqa: F401  pylint: disable=unused-import
    import dns.nameserver  # noqa: F401  pylint: disable=unused-import
    import dns.query  # noqa: F401  pylint: disable=unused-import
    import dns.rcode  # noqa: F401  pylint: disable=unused-import
    import dns.rdata  # noqa: F401  pylint: disable=unused-import
    import dns.rdataclass  # noqa: F401  pylint: disable=unused-import
    import dns.rdataset  # noqa: F401  pylint: disable=unused-import
    import dns.rdatatype  # noqa: F401  pylint: disable=unused-import
    import dns.rdtypes.ANY.TXT  # noqa: F401  pylint: disable=unused-import
    import dns.resolver  # noqa: F401  pylint: disable=unused-import
    import dns.tsig  # noqa: F401  pylint: disable=unused-import
    import dns.tsigkeyring  # noqa: F401  pylint: disable=unused-import
    import dns.update  # noqa: F401  pylint: disable=unused-import
    import dns.xfr  # noqa: F401  pylint: disable=unused-import
except ImportError:
    dns = None  # pylint: disable=invalid-name
    HAS_DNSPYTHON = False
    DNSPYTHON_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_DNSPYTHON = True
