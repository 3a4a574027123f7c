"""`make demo`: apply federation to a local lab with the collection's playbooks, twice, then check it as a peer.

The lab runs on loopback only: BIND 9 (zone chat.test, TSIG updates), the Rocket.Chat API emulator (release 7.10,
legacy federation allowed), Synapse for chat.test behind TLS from a lab CA, and Rocket.Chat's own Matrix bridge
(the published @rocket.chat/forked-matrix-appservice-bridge, built as Rocket.Chat 7.10 builds it, in tests/peers). The
playbooks in playbooks/ publish legacy and Matrix federation; the second run must change nothing; federation_check then
looks the workspace and the homeserver up the way peers do and federation_probe (through check.yml's probe accounts)
holds a real conversation between chat.test and a partner homeserver, partner.test; finally a message crosses the
bridge in both directions. Both Synapse instances resolve each other through the lab's BIND (a relay on a loopback
address, port 53, and a private resolv.conf: needs root). Everything stops at the end (by PID).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

# pylint: disable=wrong-import-position
from tests.emulator.rocketchat.server import serve_in_thread  # noqa: E402
from tests.emulator.rocketchat.state import SEED_USERS  # noqa: E402
from tests.support.ansible_run import ansible_env, run_tasks  # noqa: E402
from tests.support.bind import BindServer  # noqa: E402
from tests.support.federation_lab import DNSRelay  # noqa: E402
from tests.support.paths import OUTPUT  # noqa: E402
from tests.support.node_peers import BridgePeer, MatrixUser  # noqa: E402
from tests.support.pki import TestCA  # noqa: E402
from tests.support.procs import free_port  # noqa: E402
from tests.support.synapse import SynapseServer  # noqa: E402

DOMAIN = "chat.test"
MATRIX_HOST = "matrix.chat.test"
MATRIX_ADDRESS = "127.0.0.1"
PARTNER = "partner.test"
# Federation between the two homeservers: loopback peers and the lab CA, no key server.
FEDERATION_CONFIG = {"ip_range_whitelist": ["127.0.0.0/8"], "trusted_key_servers": [],
                     "suppress_key_server_warning": True}


def start_partner(lab, ca, bind, resolv_conf):
    """partner.test: a plain Matrix homeserver of another organisation, its SRV and A records published with
    federation_dns."""
    cert = ca.issue("partner", [PARTNER, "matrix." + PARTNER, MATRIX_ADDRESS])
    port = free_port(MATRIX_ADDRESS)
    result = run_tasks([{"name": "publish partner.test", "fedops.rocketchat.federation_dns": {
        "provider": "rfc2136",
        "rfc2136": {"server": bind.host, "port": bind.port, "key_name": bind.tsig_name,
                    "key_secret": bind.tsig_secret, "key_algorithm": bind.tsig_algorithm},
        "zone": PARTNER, "matrix": {"server_name": PARTNER, "target": "matrix." + PARTNER, "port": port},
        "records": [{"name": "matrix." + PARTNER, "type": "A", "values": [MATRIX_ADDRESS]}]}}])
    if result.rc != 0:
        raise SystemExit("publishing partner.test failed:\n%s" % result.output[-3000:])
    partner = SynapseServer(os.path.join(lab, "partner"), server_name=PARTNER, host=MATRIX_ADDRESS, port=port,
                            tls_certificate_path=cert.cert_path, tls_private_key_path=cert.key_path,
                            resolv_conf=resolv_conf,
                            extra_config=dict(FEDERATION_CONFIG, federation_custom_ca_list=[ca.cert_path]))
    return partner.start(120)


def playbook(name, extra_vars_file, inventory):
    cmd = [os.path.join(ROOT, ".venv", "bin", "ansible-playbook"), "-i", inventory, "-e", "@" + extra_vars_file,
           os.path.join(ROOT, "playbooks", name)]
    proc = subprocess.run(cmd, env=ansible_env(), capture_output=True, text=True, check=False)
    sys.stdout.write(proc.stdout)
    if proc.returncode:
        sys.stdout.write(proc.stderr)
        raise SystemExit("%s failed (rc %d)" % (name, proc.returncode))
    recap = re.search(r"changed=(\d+)", proc.stdout.split("PLAY RECAP")[-1])
    return int(recap.group(1)) if recap else None


def bridge_messages(bridge, synapse):
    """A Synapse user and a Rocket.Chat user (on the bridge) exchange one message each way; print what each saw."""
    alice = MatrixUser(synapse, "alice", "demo alice password")
    bob = bridge.call("provision", username="bob", name="Bob on Rocket.Chat")["user_id"]
    room = alice.create_room(invite=[bob])
    bridge.wait_for(lambda e: e["event"].get("type") == "m.room.member" and e["event"].get("state_key") == bob,
                    what="invite")
    bridge.call("join", user_id=bob, room_id=room)
    alice.sync_events(timeout_ms=0)
    alice.send(room, "Hello Rocket.Chat, this is Synapse")
    seen = bridge.wait_for(lambda e: e["event"].get("content", {}).get("body") == "Hello Rocket.Chat, this is "
                           "Synapse", what="message from Synapse")
    print("Synapse -> bridge: %s said %r (delivered to the bridge's %s handler)"
          % (seen["event"]["sender"], seen["event"]["content"]["body"], seen["handler"]))
    bridge.call("send", user_id=bob, room_id=room, msg="Hello Synapse, this is Rocket.Chat")
    event = alice.wait_for_message(lambda e: e["content"].get("body") == "Hello Synapse, this is Rocket.Chat")
    print("bridge -> Synapse: %s said %r (in %s's /sync)"
          % (event["sender"], event["content"]["body"], alice.user_id))


def main():
    os.makedirs(OUTPUT, exist_ok=True)
    lab = tempfile.mkdtemp(prefix="demo-", dir=OUTPUT)
    admin = SEED_USERS[0]
    pat = admin["pats"][0][1]
    print("lab directory: %s" % lab)
    with BindServer(os.path.join(lab, "dns"), zones=(DOMAIN, PARTNER)) as bind:
        bind.start()
        relay = DNSRelay("127.%d.%d.53" % (os.getpid() % 100 + 100, os.getpid() % 250 + 1),
                         (bind.host, bind.port)).start()
        resolv_conf = os.path.join(lab, "resolv.conf")
        with open(resolv_conf, "w", encoding="ascii") as handle:
            handle.write("nameserver %s\noptions timeout:2 attempts:2\n" % relay.host)
        rc_server, rc_url = serve_in_thread("7.10", insecure_legacy_federation=True)
        partner = None
        try:
            ca = TestCA(os.path.join(lab, "pki"), common_name="fedops demo CA")
            cert = ca.issue("matrix", [DOMAIN, MATRIX_HOST, MATRIX_ADDRESS])
            synapse_port = free_port(MATRIX_ADDRESS)
            registration = os.path.join(lab, "rocketchat-registration.yaml")
            inventory = os.path.join(lab, "inventory.ini")
            with open(inventory, "w", encoding="utf-8") as handle:
                handle.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
            # One workspace of the inventory, as fedops.rocketchat.federate reads it (the federation role's variables).
            lab_vars = {
                # The lab runs legacy federation and the bridge side by side, as a workspace does while it migrates.
                "federation_mode": "matrix_bridge",
                "federation_side_by_side": ["legacy"],
                "federation_rocketchat_url": rc_url,
                "federation_rocketchat_user_id": admin["_id"],
                "federation_rocketchat_auth_token": pat,
                "federation_bridge_master_secret": "demo master secret - keep real ones in a vault",
                "federation_dns_provider": "rfc2136",
                "federation_dns_zone": DOMAIN,
                "federation_dns_rfc2136": {"server": bind.host, "port": bind.port, "key_name": bind.tsig_name,
                                           "key_secret": bind.tsig_secret, "key_algorithm": bind.tsig_algorithm},
                "federation_check_nameservers": ["%s:%d" % (bind.host, bind.port)],
                "federation_legacy_domain": DOMAIN,
                # Peers connect to the SRV target: the emulator, plain HTTP on its own port (a WARN in the check).
                "federation_legacy_target": "rc." + DOMAIN,
                "federation_legacy_protocol": "http",
                "federation_legacy_port": urllib.parse.urlsplit(rc_url).port,
                "federation_matrix_server_name": DOMAIN,
                "federation_matrix_federation_host": MATRIX_HOST,
                "federation_matrix_federation_port": synapse_port,
                "federation_bridge_homeserver_url": "https://%s:%d" % (MATRIX_HOST, synapse_port),
                "federation_bridge_url": "http://127.0.0.1:%d" % free_port(),
                "federation_bridge_ephemeral_events": True,
                "federation_bridge_registration_path": registration,
                # Synapse starts after the first run, and the bridge after the check: the check playbook looks the
                # homeserver and the legacy records up, not the appservice.
                "federation_check": False,
                "federation_check_appservice": False,
            }
            vars_file = os.path.join(lab, "lab-vars.json")
            with open(vars_file, "w", encoding="utf-8") as handle:
                json.dump(lab_vars, handle, indent=1)
            os.chmod(vars_file, 0o600)

            # The homeserver's and the workspace's names must resolve for the peer-side check: A records next to the SRVs.
            subprocess.run([sys.executable, "-c", (
                "import dns.update, dns.query, dns.tsigkeyring, sys;"
                "k=dns.tsigkeyring.from_text({sys.argv[1]: (sys.argv[2], sys.argv[3])});"
                "u=dns.update.UpdateMessage(sys.argv[4], keyring=k);"
                "u.replace('matrix', 300, 'A', sys.argv[5]);"
                "u.replace('rc', 300, 'A', '127.0.0.1');"
                "dns.query.tcp(u, sys.argv[6], port=int(sys.argv[7]), timeout=5)"),
                bind.tsig_name, bind.tsig_algorithm, bind.tsig_secret, DOMAIN, MATRIX_ADDRESS, bind.host,
                str(bind.port)], check=True)

            print("\n### first run: legacy federation and the Matrix bridge side by side")
            first = [playbook("federate.yml", vars_file, inventory)]

            synapse = SynapseServer(os.path.join(lab, "synapse"), server_name=DOMAIN, host=MATRIX_ADDRESS,
                                    port=synapse_port, tls_certificate_path=cert.cert_path,
                                    tls_private_key_path=cert.key_path, resolv_conf=resolv_conf,
                                    extra_config=dict(FEDERATION_CONFIG, **{
                                        "app_service_config_files": [registration],
                                        # what the synapse role sets for a Rocket.Chat bridge registration
                                        # (synapse_rocketchat_bridge_registration_files)
                                        "use_appservice_legacy_authorization": True,
                                        "federation_custom_ca_list": [ca.cert_path]}))
            with synapse:
                synapse.start(120)
                partner = start_partner(lab, ca, bind, resolv_conf)
                print("\n### second run: nothing may change")
                second = [playbook("federate.yml", vars_file, inventory)]
                print("\n### the homeserver as a peer sees it, and a probe conversation with partner.test")
                probe_local = MatrixUser(synapse, "probe", "demo probe password 1")
                probe_remote = MatrixUser(partner, "probe", "demo probe password 2")
                check_vars = dict(lab_vars, federation_check_ca_path=ca.cert_path, fedops_probe_local={
                    "homeserver_url": synapse.base_url, "access_token": probe_local.token, "ca_path": ca.cert_path,
                }, fedops_probe_remote={
                    "homeserver_url": partner.base_url, "access_token": probe_remote.token,
                    "ca_path": ca.cert_path})
                with open(vars_file, "w", encoding="utf-8") as handle:
                    json.dump(check_vars, handle, indent=1)
                playbook("check.yml", vars_file, inventory)
                print("\n### a message across the bridge, both directions")
                bridge = BridgePeer(os.path.join(lab, "bridge"), rc_url, admin["_id"], pat,
                                    dns_server="%s:%d" % (bind.host, bind.port), ca_path=ca.cert_path)
                with bridge:
                    bridge_messages(bridge.start(), synapse)
        finally:
            if partner is not None:
                partner.stop()
            relay.stop()
            rc_server.shutdown()
            rc_server.server_close()
    print("\nchanged tasks - first run: %s, second run: %s" % (sum(first), sum(second)))
    if sum(second) != 0:
        raise SystemExit("the second run changed something: the playbooks are not idempotent")
    print("demo passed")


if __name__ == "__main__":
    main()
