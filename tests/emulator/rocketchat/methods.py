"""DDP methods over REST (method.call), among them the federation configuration check."""
import json
import urllib.error
import urllib.parse
import urllib.request

from .twofactor import totp_label


class MethodEndpoints:
    """DDP methods over REST (method.call), among them the federation configuration check."""

    # --- method.call -------------------------------------------------------------------------------------
    def method_call(self, req):
        """Always HTTP 200; the DDP-style result or error travels EJSON-encoded in `message`."""
        store = self.store
        message = req.body.get("message") if isinstance(req.body, dict) else None
        if not isinstance(message, str):
            raise self.failure('Body param "message" is required')
        try:
            call = json.loads(message)
        except ValueError:
            raise self.failure("Invalid EJSON message")
        msg_id = call.get("id", "1") if isinstance(call, dict) else "1"
        method = req.params["method"]

        def result(**data):
            data.update(msg="result", id=msg_id)
            return self.ok(message=json.dumps(data))

        def error(code, reason, details=None):
            err = {"isClientSafe": True, "error": code, "reason": reason, "message": "%s [%s]" % (reason, code),
                   "errorType": "Meteor.Error"}
            if details is not None:
                err["details"] = details
            return result(error=err)

        if not isinstance(call, dict) or call.get("method") != method:
            return error(400, "Match failed")
        allowed, wait = store.ddp_rate_limit(req.user["_id"], method)
        if not allowed:
            return error("too-many-requests", "Error, too many requests. Please slow down. You must wait %d seconds "
                         "before trying this endpoint again." % int(-(-wait // 1)), {"timeToReset": int(wait * 1000)})
        params = call.get("params") or []
        if method != "saveSettings":
            return error(404, "Method '%s' not found" % method)
        if not params or not isinstance(params[0], list) or \
                not all(isinstance(e, dict) and isinstance(e.get("_id"), str) and "value" in e for e in params[0]):
            return error(400, "Match failed")
        entries = params[0]
        ids = [e["_id"] for e in entries]
        outcome = store.check_two_factor(req.user, req.token_doc, req.header("x-2fa-code"),
                                         req.header("x-2fa-method"), req.fingerprint)
        if outcome:
            error_type, details = outcome
            return error(error_type, totp_label(error_type), details)
        denied = self._may_change(req.user, ids)
        if denied:
            return error("error-action-not-allowed", "Editing settings is not allowed",
                         {"method": "saveSettings", "settingIds": denied})
        for entry in entries:
            item = store.settings.get(entry["_id"])
            if item is None:
                return error("error-invalid-setting", "Invalid setting", {"method": "saveSettings",
                                                                          "settingIds": [entry["_id"]]})
            if item.blocked:
                return error("error-action-not-allowed", "Editing settings is not allowed",
                             {"method": "saveSettings", "settingIds": [entry["_id"]]})
            if self.validate(item, entry["value"], strict=False):
                return error(400, "Match failed")
        for entry in entries:   # updateValueById: blocked enforced above, readonly not
            store.set_value(entry["_id"], entry["value"])
        return result(result=True)

    # --- actions (Meteor methods behind action settings) -------------------------------------------------
    def run_method(self, name, user):
        store = self.store
        if name == "checkFederationConfiguration":
            if not store.has_permission(user, "view-privileged-setting"):
                raise self.failure("Not allowed [error-action-not-allowed]", "error-action-not-allowed")
            valid, message = self.check_federation_configuration()
            store.settings["Federation_Matrix_configuration_status"].value = "Valid" if valid else "Invalid"
            if not valid:
                raise self.failure("%s [error-invalid-configuration]" % message, "error-invalid-configuration")
            return {"message": message}
        if name == "FEDERATION_Test_Setup":
            if not store.value("FEDERATION_Enabled") or not store.value("FEDERATION_Domain"):
                raise self.failure("FEDERATION_Test_Setup_Error [FEDERATION_Test_Setup_Error]",
                                   "FEDERATION_Test_Setup_Error")
            return {"message": "FEDERATION_Test_Setup_Success"}
        raise self.failure("Method '%s' not found" % name)

    def check_federation_configuration(self):
        """C-BRG-2: configurationStatus(): appservice ping to the homeserver, then the federation tester."""
        store = self.store
        hs_url = str(store.value("Federation_Matrix_homeserver_url") or "").rstrip("/")
        appservice = urllib.parse.quote(str(store.value("Federation_Matrix_id")), safe="")
        ping = urllib.request.Request(
            "%s/_matrix/client/v1/appservice/%s/ping" % (hs_url, appservice), method="POST", data=b"{}",
            headers={"Authorization": "Bearer %s" % store.value("Federation_Matrix_as_token"),
                     "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(ping, timeout=3):
                pass
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return False, "Invalid configuration, homeserver version must be >=1.84.x"
            return False, "Invalid configuration, the homeserver answered the appservice ping with HTTP %d" % exc.code
        except (urllib.error.URLError, OSError) as exc:
            return False, "Invalid configuration, the homeserver could not be reached: %s" % exc
        domain = urllib.parse.urlsplit("https://%s" % store.value("Federation_Matrix_homeserver_domain")).hostname
        tester = "%s/api/federation-ok?server_name=%s" % (store.federation_tester_host.rstrip("/"),
                                                          urllib.parse.quote(domain or ""))
        try:
            with urllib.request.urlopen(tester, timeout=3) as answer:
                text = answer.read().decode("utf-8", "replace")
        except (urllib.error.URLError, OSError):
            text = None
        if text != "GOOD":
            return False, "Configuration could only be partially verified, the federation tester did not answer GOOD"
        return True, "All configuration looks good, federation is working"
