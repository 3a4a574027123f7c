# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Rocket.Chat release numbers as /api/info reports them (trimmed to major.minor without permission)."""

from __future__ import annotations

import re

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat import _endpoints as endpoints
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._errors import RocketChatServerError


class RocketChatVersion(object):
    """A parsed release. ``full`` is False when the server only disclosed major.minor."""

    def __init__(self, text):
        match = re.match(r"^\s*v?(\d+)\.(\d+)(?:\.(\d+))?", str(text or ""))
        if not match:
            raise ValueError("not a Rocket.Chat version: %r" % (text,))
        self.text = str(text).strip()
        self.full = match.group(3) is not None
        self.tuple = (int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))

    @property
    def major_minor(self):
        return "%d.%d" % self.tuple[:2]

    def at_least(self, *wanted):
        """Compare on as many parts as given: at_least(7, 11) ignores the patch level."""
        return self.tuple[:len(wanted)] >= tuple(wanted)

    def below(self, *wanted):
        return not self.at_least(*wanted)

    def __str__(self):
        return self.text

    def __repr__(self):
        return "RocketChatVersion(%r)" % self.text

    def __eq__(self, other):
        return isinstance(other, RocketChatVersion) and self.tuple == other.tuple

    def __hash__(self):
        return hash(self.tuple)


def as_version(value):
    if isinstance(value, RocketChatVersion):
        return value
    if isinstance(value, tuple):
        return RocketChatVersion(".".join(str(p) for p in (value + (0, 0))[:3]))
    return RocketChatVersion(value)


class VersionApi(object):
    """Mixin of the client: the release it talks to (needs ``request``, ``base_url`` and ``_version``)."""

    def version(self):
        """The release from /api/info: full with get-server-info / view-statistics, else major.minor."""
        if self._version is None:
            data, _headers = self.request("GET", endpoints.INFO, auth=True, what="read the server version (/api/info)")
            text = (data or {}).get("version") or ((data or {}).get("info") or {}).get("version")
            try:
                self._version = RocketChatVersion(text)
            except ValueError:
                raise RocketChatServerError("/api/info at %s did not report a Rocket.Chat version (got %r); is url the "
                                            "Rocket.Chat base URL?" % (self.base_url, text))
        return self._version
