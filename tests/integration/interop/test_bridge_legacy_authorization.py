"""Without use_appservice_legacy_authorization, Synapse's transactions are refused by Rocket.Chat's bridge while
its ping still succeeds: the failure the collection's synapse role prevents, seen with the real library."""
import re

from tests.support.node_peers import MatrixUser
from tests.support.procs import wait_until

REFUSED = re.compile(r'"PUT /_matrix/app/v1/transactions/\S+ HTTP/1.1" 403')


def test_transactions_refused_without_legacy_authorization(bridge_lab_legacy_off):
    lab = bridge_lab_legacy_off
    assert lab.synapse_options["use_appservice_legacy_authorization"] is False
    assert lab.appservice_args()["legacy_authorization"] is False
    assert isinstance(lab.bridge.call("ping").get("duration_ms"), int)

    erin = MatrixUser(lab.synapse, "erin", "erin-password-1")
    frank = lab.bridge.call("provision", username="frank.rc", name="Frank")["user_id"]
    erin.create_room(invite=[frank])
    wait_until(lambda: REFUSED.search(lab.bridge.log()), 60, "a transaction answered 403 by the bridge",
               log_path=lab.bridge.log_path)
    assert not lab.bridge.saw(lambda e: e["handler"] != "ping")


def _appservice_checks(lab):
    """federation_check's appservice checks against this lab's Synapse and the real bridge library."""
    from tests.support.ansible_run import run_module  # pylint: disable=import-outside-toplevel
    args = {"server_name": lab.server_name, "client_wellknown": False, "fail_on_error": False,
            "resolve": {lab.server_name: "127.0.0.1"},
            "appservice": dict(lab.appservice_args(), homeserver_url=lab.synapse.base_url)}
    result = run_module("federation_check", args)
    return {check["name"]: check for check in result["checks"] if check["name"].startswith("appservice")}


def test_federation_check_names_legacy_authorization_where_the_ping_passes(bridge_lab_legacy_off):
    checks = _appservice_checks(bridge_lab_legacy_off)
    assert checks["appservice_ping"]["status"] == "pass"
    transaction = checks["appservice_transaction"]
    assert transaction["status"] == "fail"
    assert "HTTP 403" in transaction["detail"] and "with ?access_token= it is accepted" in transaction["detail"]
    assert "use_appservice_legacy_authorization" in transaction["hint"]
