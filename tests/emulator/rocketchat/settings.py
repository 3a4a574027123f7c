"""Settings: list, public, get, post and the bulk update, with their bounds, rules and validation."""
import json


class SettingsEndpoints:
    """Settings: list, public, get, post and the bulk update, with their bounds, rules and validation."""

    # --- handlers: settings ------------------------------------------------------------------------------
    def _visible(self, item):
        return item is not None and not item.hidden

    @staticmethod
    def _projection(item):
        """fetchSettings' projection {_id, value, enterprise, invalidValue, modules}: fields the setting does not
        have are absent, as in a MongoDB projection."""
        row = {"_id": item._id, "enterprise": item.enterprise}
        if item.invalid_value is not None:
            row["invalidValue"] = item.invalid_value
        if item.modules:
            row["modules"] = list(item.modules)
        return row

    def _list_value(self, item):
        if self.profile.list_masks_secrets and (item.secret or item.type == "password"):
            return {"value": "", "hasValue": item.value not in ("", None)}
        return {"value": self.store.served_value(item)}   # C-LIC-2: the 'fetch-settings' hook

    def settings_list(self, req):
        store = self.store
        privileged = store.has_permission(req.user, "view-privileged-setting")
        items = [s for s in store.settings.values() if not s.hidden and (privileged or s.public)]
        mode = self.profile.query_fields_mode
        if req.arg("query") is not None or req.arg("fields") is not None:
            if mode == "refuse":
                raise self.failure("Invalid params: query and fields are no longer supported",
                                   "error-invalid-params")
            if mode == "honour" and req.arg("query"):
                try:
                    query = json.loads(req.arg("query"))
                except ValueError:
                    raise self.failure("Invalid query parameter", "error-invalid-params")
                wanted = query.get("_id") if isinstance(query, dict) else None
                if isinstance(wanted, dict) and "$in" in wanted:
                    ids = set(wanted["$in"])
                    items = [s for s in items if s._id in ids]
                elif isinstance(wanted, str):
                    items = [s for s in items if s._id == wanted]
        sort = req.arg("sort")
        if sort:
            try:
                spec = json.loads(sort)
                for key, direction in reversed(list(spec.items())):
                    items.sort(key=lambda s, k=key: str(getattr(s, k, "")), reverse=direction == -1)
            except (ValueError, AttributeError):
                raise self.failure("Invalid sort parameter", "error-invalid-params")
        default = store.value("API_Default_Count")
        upper = store.value("API_Upper_Count_Limit")
        try:
            count = int(req.arg("count", default))
            offset = int(req.arg("offset", 0))
        except ValueError:
            raise self.failure("Invalid count or offset", "error-invalid-params")
        # getPaginationItems (apps/meteor/app/api/server/helpers/getPaginationItems.ts): count above the upper
        # limit is clamped; count=0 is "no limit" while API_Allow_Infinite_Count is on, else the default count
        infinite = count == 0 and store.value("API_Allow_Infinite_Count")
        if count <= 0 and not infinite:
            count = default
        count = len(items) if infinite else min(count, upper)
        page = items[offset:offset + count]
        include_defaults = req.arg("includeDefaults") == "true" and self.profile.v >= (7, 0, 0)
        out = []
        for item in page:   # C-LIC-2: the projection carries enterprise, invalidValue and modules
            row = self._projection(item)
            row.update(self._list_value(item))
            if include_defaults:
                row["packageValue"] = None
            out.append(row)
        return self.ok(settings=out, count=len(out), offset=offset, total=len(items))

    def settings_public(self, req):
        items = [s for s in self.store.settings.values() if s.public and not s.hidden]
        ids = req.arg("_id")
        if ids and self.profile.public_ids_param:
            wanted = set(ids.split(","))
            items = [s for s in items if s._id in wanted]
        return self.ok(settings=[dict(self._projection(s), value=self.store.served_value(s)) for s in items],
                       count=len(items), offset=0, total=len(items))

    def setting_get(self, req):
        """C-SET-1: findOneNotHiddenById straight from the database: the stored value, never the invalidValue
        an unlicensed server serves in the list (C-LIC-2)."""
        item = self.store.settings.get(req.params["_id"])
        if not self._visible(item):
            raise self.failure()
        return self.ok(_id=item._id, value=item.value)

    def setting_post(self, req):
        """C-SET-2..C-SET-6: unknown or hidden -> bare 400; execute an action; no ``value`` -> bare 400; 8.x
        checks numeric bounds and validation rules but never the JSON type; readonly is not enforced."""
        store = self.store
        item = store.settings.get(req.params["_id"])
        body = req.body if isinstance(req.body, dict) else {}
        if item is None or item.hidden:                   # findOneNotHiddenById found nothing
            raise self.failure()
        if item.type == "action" and body.get("execute") is True:
            self.run_method(item.value, req.user)
            return self.ok()
        if "value" not in body:                           # isSettingsUpdatePropDefault() is false
            raise self.failure()
        if item.blocked:                                  # updateValueNotHiddenById matched nothing
            raise self.failure()
        if item.type == "color" and body.get("editor") in ("color", "expression"):
            item.extra["editor"] = body["editor"]
        value = body["value"]
        if self.profile.per_id_post_validates:
            self.check_bounds(item, value)
            if not self.rules_pass(item, value):
                raise self.failure("%s_Invalid" % item._id, "error-setting-validation-failed")
        store.set_value(item._id, value)  # C-SET-2/C-SET-4: readonly not checked, nor the JSON type
        return self.ok()

    def check_bounds(self, item, value):
        """C-SET-4: checkSettingValueBounds: int/range settings with minValue/maxValue; a falsy value skips it;
        the value is compared as Number(value) (so a numeric string is checked too)."""
        if item.type not in ("int", "range") or not value:
            return
        try:
            number = float(value)
        except (TypeError, ValueError):
            return   # Number('abc') is NaN: both comparisons are false in JavaScript
        low, high = item.extra.get("minValue"), item.extra.get("maxValue")
        if low is not None and number < low:
            raise self.failure("Value for setting %s must be greater than or equal to %s [error-invalid-setting-value]"
                               % (item._id, low), "error-invalid-setting-value", {"method": "saveSettings"})
        if high is not None and number > high:
            raise self.failure("Value for setting %s must be less than or equal to %s [error-invalid-setting-value]"
                               % (item._id, high), "error-invalid-setting-value", {"method": "saveSettings"})

    def rules_pass(self, item, value):
        """C-SET-4: validateSettingRules: a JSON-schema code setting must parse and match its schema (an empty
        string passes); a setting's own validation rules must hold. ``extra['schema']`` and
        ``extra['validation']`` are predicates over the candidate value."""
        schema = item.extra.get("schema")
        if schema is not None and item.type == "code" and item.extra.get("code") == "application/json" \
                and value != "":
            if not isinstance(value, str):
                return False
            try:
                parsed = json.loads(value)
            except ValueError:
                return False
            if not schema(parsed):
                return False
        rule = item.extra.get("validation")
        return rule is None or bool(rule(value, self.store))

    def validate(self, item, value, strict):
        """C-SET-8: type rules of saveSettings (boolean, int, multiSelect, JSON code) and, with ``strict``, of
        the 8.6 bulk route (saveSettingsBulk). Per-id writes never call this (C-SET-4)."""
        t = item.type
        if t == "boolean" and not isinstance(value, bool):
            return "expected a boolean"
        if t == "int" and (isinstance(value, bool) or not isinstance(value, (int, float)) or
                           (isinstance(value, float) and not value.is_integer())):
            return "expected an integer"
        if t == "multiSelect" and not isinstance(value, list):
            return "expected a list"
        if t == "code" and item.extra.get("code") == "application/json":
            try:
                json.loads(value)
            except (TypeError, ValueError):
                return "expected JSON"
        if strict:
            if t in ("string", "password", "code", "select", "language", "color", "relativeUrl") and \
                    not isinstance(value, str):
                return "expected a string"
            if t == "select" and value not in item.extra.get("values", [value]):
                return "not one of %s" % ", ".join(item.extra["values"])
            if t == "action":
                return "actions cannot be set"
        return None

    def _may_change(self, user, ids):
        store = self.store
        if store.has_permission(user, "edit-privileged-setting"):
            return []
        if store.has_permission(user, "manage-selected-settings"):
            return [i for i in ids if not store.has_permission(user, "change-setting-" + i)]
        return list(ids)

    def settings_bulk(self, req):
        """POST /api/v1/settings (8.6+): all or nothing, type-checked (saveSettingsBulk)."""
        store = self.store
        body = req.body if isinstance(req.body, dict) else {}
        entries = body.get("settings")
        if not isinstance(entries, list) or not entries or \
                not all(isinstance(e, dict) and isinstance(e.get("_id"), str) and "value" in e for e in entries):
            raise self.failure("Invalid params: settings must be a non-empty list of objects with _id and value",
                               "error-invalid-params")
        ids = [e["_id"] for e in entries]
        if not store.has_permission(req.user, "edit-privileged-setting") and \
                not store.has_permission(req.user, "manage-selected-settings"):
            raise self.no_permission()
        denied = self._may_change(req.user, ids)
        if denied:
            raise self.failure("Editing settings is not allowed [error-action-not-allowed]", "error-action-not-allowed",
                               {"settingIds": denied})
        for entry in entries:
            item = store.settings.get(entry["_id"])
            if item is None or item.hidden:
                raise self.failure("Invalid setting [error-invalid-setting]", "error-invalid-setting",
                                   {"settingIds": [entry["_id"]]})
            if item.blocked:
                raise self.failure("Editing settings is not allowed [error-action-not-allowed]",
                                   "error-action-not-allowed", {"settingIds": [entry["_id"]]})
            problem = self.validate(item, entry["value"], strict=True)
            if problem:
                raise self.failure("Invalid value for setting %s: %s [error-setting-validation-failed]"
                                   % (item._id, problem), "error-setting-validation-failed", {"settingId": item._id})
        for entry in entries:
            store.set_value(entry["_id"], entry["value"])
        return self.ok()
