# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Federation_Service_Allow_List, linted by the target's release (pure functions).

Rocket.Chat compares each entry with the origin of the ``X-Matrix`` authorization header, lower-cased
(``ee/packages/federation-matrix/src/api/middlewares/isFederationDomainAllowed.ts``). An entry matches when it equals
the origin or is ``*.base`` and the origin is ``base`` or a subdomain of it. Until PR #39752 (merged 2026-03-20,
"Domain allowance check to require exact matches") a third rule made any origin that *ends with* the entry match, so
``example.com`` also admitted ``badexample.com``. Which release first carries the fix is not pinned here: releases
before ``EXACT_SINCE`` are linted as suffix-matching, which at worst warns where a release already matches exactly.
An empty list admits every server.
"""

from __future__ import annotations

import re

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._errors import RocketChatValidationError

EXACT_SINCE = (8, 4)

_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


def matches_by_suffix(version):
    """Whether ``version`` (a RocketChatVersion, or None when unknown) still admits origins ending with an entry."""
    return version is None or version.tuple[:2] < EXACT_SINCE


def lint_allow_list(entries, version=None):
    """Return (normalised entries, warnings); raise RocketChatValidationError for an entry that can never match."""
    suffix = matches_by_suffix(version)
    normalised, warnings = [], []
    for raw in entries or []:
        text = str(raw).strip()
        entry = text.lower()
        if not entry:
            continue
        base = entry[2:] if entry.startswith("*.") else entry
        if not _HOSTNAME.match(base):
            raise RocketChatValidationError(
                "native.allow_list entry %r is not a domain: entries are compared with the server name a peer signs "
                "with, so a scheme, port or path never matches; use example.org or *.example.org." % raw)
        if entry == base and suffix:
            warnings.append(
                "native.allow_list entry %r is matched as a suffix by Rocket.Chat %s, so it also admits e.g. 'bad%s'. "
                "Use '*.%s' to admit %s and its subdomains only (releases from %d.%d match exactly)."
                % ((entry, version or "before %d.%d" % EXACT_SINCE, entry, entry, entry) + EXACT_SINCE))
        if entry not in normalised:
            normalised.append(entry)
    return normalised, warnings
