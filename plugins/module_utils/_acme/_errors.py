# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Exceptions of the ACME certificate work: a message meant for the user, and details for the result."""

from __future__ import annotations


class ACMEError(Exception):
    def __init__(self, msg, **details):
        super(ACMEError, self).__init__(msg)
        self.msg = msg
        self.details = details


class ACMEInputError(ACMEError):
    """The task's options are wrong; nothing was sent to the ACME server or the DNS provider."""


class ACMEChallengeError(ACMEError):
    """The ACME server refused a challenge (the record or file it fetched was not what it expected)."""


class ACMEServerError(ACMEError):
    """The ACME server answered with an error or could not be reached."""
