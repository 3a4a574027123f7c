# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""cryptography, imported once and guarded: ``HAS_CRYPTOGRAPHY`` and ``CRYPTOGRAPHY_IMPORT_ERROR`` let modules fail
with ``_deps.CRYPTOGRAPHY.missing()``; the names are None without the library."""

from __future__ import annotations

import traceback

CRYPTOGRAPHY_IMPORT_ERROR = None
try:
    from cryptography import x509  # noqa: F401  pylint: disable=unused-import
    from cryptography.exceptions import InvalidSignature  # noqa: F401  pylint: disable=unused-import
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: F401  pylint: disable=unused-import
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey  # noqa: F401  pylint: disable=unused-import
except ImportError:
    x509 = hashes = serialization = Ed25519PrivateKey = Ed25519PublicKey = None  # pylint: disable=invalid-name
    InvalidSignature = None  # pylint: disable=invalid-name
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_CRYPTOGRAPHY = True
