# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""requests, imported once and guarded: ``HAS_REQUESTS`` and ``REQUESTS_IMPORT_ERROR`` let modules fail with
``_deps.REQUESTS.missing()``; the names are None without the library."""

from __future__ import annotations

import traceback

REQUESTS_IMPORT_ERROR = None
try:
    import requests  # noqa: F401  pylint: disable=unused-import
    from requests.adapters import HTTPAdapter  # noqa: F401  pylint: disable=unused-import
except ImportError:
    requests = None  # pylint: disable=invalid-name
    HTTPAdapter = None  # pylint: disable=invalid-name
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
