"""Legacy federation REST and the Matrix well-known documents."""
import urllib.error
import urllib.parse
import urllib.request

from .api import ApiResponse


class DiscoveryEndpoints:
    """Legacy federation REST and the Matrix well-known documents."""

    # --- legacy federation REST, well-known -------------------------------------------------------------------
    def legacy_federation(self, req):
        if self.profile.legacy_rest_gated and not self.store.insecure_legacy_federation:
            raise self.failure("Deprecated. ENABLE_INSECURE_LEGACY_FEDERATION environment variable is needed to "
                               "enable it.")
        if not self.store.value("FEDERATION_Enabled"):
            raise self.failure("Federation disabled", "error-federation-disabled")
        return self.ok()

    def _well_known_enabled(self):
        return self.store.value("Federation_Matrix_enabled") and self.store.value("Federation_Matrix_serve_well_known")

    def well_known_server(self, _req):
        if not self._well_known_enabled():
            raise ApiResponse(404, {})
        url = urllib.parse.urlsplit(self.store.value("Federation_Matrix_homeserver_url"))
        return ApiResponse(200, {"m.server": "%s:%s" % (url.hostname, url.port or 443)})

    def well_known_client(self, _req):
        if not self._well_known_enabled():
            raise ApiResponse(404, {})
        url = urllib.parse.urlsplit(self.store.value("Federation_Matrix_homeserver_url"))
        return ApiResponse(200, {"m.homeserver": {"base_url": "%s://%s" % (url.scheme, url.hostname)}})
