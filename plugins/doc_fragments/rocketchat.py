# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):
    """Connection and authentication options of the modules that talk to Rocket.Chat's REST API."""

    DOCUMENTATION = r"""
options:
  url:
    description:
      - Base URL of the Rocket.Chat server, for example V(https://chat.example.com).
      - If not set, the value of the E(ROCKETCHAT_URL) environment variable is used.
    type: str
    required: true
  user_id:
    description:
      - Id of the user who owns O(auth_token) (sent as C(X-User-Id)). An empty value is refused before any request.
      - If not set, the value of the E(ROCKETCHAT_USER_ID) environment variable is used.
    type: str
  auth_token:
    description:
      - A personal access token (or login token) of O(user_id) (sent as C(X-Auth-Token)). An empty value is refused
        before any request.
      - Create it in Rocket.Chat under My Account, Personal Access Tokens. Tick C(Ignore Two Factor Authentication)
        (C(bypassTwoFactor)) for automation, otherwise every write asks for a second factor.
      - If not set, the value of the E(ROCKETCHAT_AUTH_TOKEN) environment variable is used.
      - Mutually exclusive with O(username); one of them is required.
    type: str
  username:
    description:
      - Log in with this username (or e-mail address) and O(password) instead of a token. The module logs out again
        at the end of the task.
    type: str
  password:
    description:
      - Password of O(username).
      - With O(auth_token) it is used only to answer two-factor challenges with the password method
        (C(X-2FA-Method=password), the code being the SHA-256 of the password).
    type: str
  two_factor_code:
    description:
      - A current second-factor code (TOTP from an authenticator app, or an e-mailed code with O(two_factor_method=email)).
      - Needed to log in as a user with TOTP enabled, and for writes with a token that does not bypass two-factor
        authentication.
    type: str
  two_factor_method:
    description:
      - How O(two_factor_code) (or O(password)) answers a two-factor challenge.
      - If not set, V(totp) when O(two_factor_code) is given, else V(password) when O(password) is given.
    type: str
    choices: [totp, email, password]
  validate_certs:
    description:
      - Verify the server's TLS certificate. Only set to V(false) for throw-away test servers.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM bundle of CA certificates to verify the server certificate with, instead of the system store.
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP answer.
    type: float
    default: 30.0
  retries:
    description:
      - How often a request is retried after a connection error, a timeout or an HTTP 5xx answer, with exponential
        backoff and jitter. Rejected credentials (HTTP 401) and missing permissions (HTTP 403) are never retried;
        the first such answer stops the other reads of the task and fails it at once.
    type: int
    default: 3
  rate_limit_max_wait:
    description:
      - Rocket.Chat rate-limits REST routes for users without the C(api-bypass-rate-limit) permission (10 calls per
        minute per route by default). The module follows the C(X-RateLimit-*) headers and waits for the window's
        reset instead of failing; this caps the wall-clock time a task spends waiting, in seconds (requests waiting
        for the same window at the same time count once).
      - Rocket.Chat counts per client address, route and method, whoever the caller is. The windows of a server
        that are partly used are remembered for the following tasks in C(~/.cache/fedops.rocketchat/) on the host
        that runs the module (route names, counts and reset times per server URL, no credentials), and a window is
        forgotten when it has passed. A task consults them only once the server has been seen limiting its caller
        (an answer carried C(X-RateLimit-*) headers); a caller the server does not limit (C(api-bypass-rate-limit))
        never waits for them.
      - A wrong token is limited like an anonymous caller; when such a caller meets a used-up window, the module
        asks C(GET /api/v1/me) once and fails at once on HTTP 401 instead of waiting for the window.
    type: float
    default: 120.0
  max_workers:
    description:
      - How many reads run concurrently (over one keep-alive session with a connection pool of this size).
    type: int
    default: 8
requirements:
  - requests >= 2.25.0
seealso:
  - name: Rocket.Chat REST API
    description: Settings, authentication and personal access tokens.
    link: https://developer.rocket.chat/apidocs
"""

    ACTIONGROUP_ROCKETCHAT = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/fedops.rocketchat.rocketchat) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - fedops.rocketchat.rocketchat
"""
