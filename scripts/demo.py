"""`make demo`: apply federation to a local lab with the collection's playbooks, twice, then check it as a peer.

The lab runs on loopback only: BIND 9 (zone chat.test, TSIG updates), the Rocket.Chat API emulator (release 7.10,
legacy federation allowed), and Synapse for chat.test behind TLS from a lab CA. The playbooks in playbooks/ publish
legacy and Matrix federation; the second run must change nothing; federation_check then looks the workspace and the
homeserver up the way peers do. Everything stops at the end (by PID).
"""
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

# pylint: disable=wrong-import-position
from tests.emulator.rocketchat.server import serve_in_thread  # noqa: E402
from tests.emulator.rocketchat.state import SEED_USERS  # noqa: E402
from tests.support.ansible_run import ansible_env  # noqa: E402
from tests.support.bind import BindServer  # noqa: E402
from tests.support.paths import OUTPUT  # noqa: E402
from tests.support.pki import TestCA  # noqa: E402
from tests.support.procs import free_port  # noqa: E402
from tests.support.synapse import SynapseServer  # noqa: E402

DOMAIN = "chat.test"
MATRIX_HOST = "matrix.chat.test"
MATRIX_ADDRESS = "127.0.0.1"


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


def main():
    os.makedirs(OUTPUT, exist_ok=True)
    lab = tempfile.mkdtemp(prefix="demo-", dir=OUTPUT)
    admin = SEED_USERS[0]
    pat = admin["pats"][0][1]
    print("lab directory: %s" % lab)
    with BindServer(os.path.join(lab, "dns"), zones=(DOMAIN,)) as bind:
        bind.start()
        rc_server, rc_url = serve_in_thread("7.10", insecure_legacy_federation=True)
        try:
            ca = TestCA(os.path.join(lab, "pki"), common_name="fedops demo CA")
            cert = ca.issue("matrix", [DOMAIN, MATRIX_HOST])
            synapse_port = free_port(MATRIX_ADDRESS)
            registration = os.path.join(lab, "rocketchat-registration.yaml")
            inventory = os.path.join(lab, "inventory.ini")
            with open(inventory, "w", encoding="utf-8") as handle:
                handle.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
            lab_vars = {
                "fedops_rocketchat_url": rc_url,
                "fedops_rocketchat_user_id": admin["_id"],
                "fedops_rocketchat_auth_token": pat,
                "fedops_master_secret": "demo master secret - keep real ones in a vault",
                "fedops_dns_provider": "rfc2136",
                "fedops_dns_zone": DOMAIN,
                "fedops_dns_rfc2136": {"server": bind.host, "port": bind.port, "key_name": bind.tsig_name,
                                       "key_secret": bind.tsig_secret, "key_algorithm": bind.tsig_algorithm},
                "fedops_check_nameservers": ["%s:%d" % (bind.host, bind.port)],
                "fedops_legacy_domain": DOMAIN,
                "fedops_matrix_server_name": DOMAIN,
                "fedops_matrix_federation_host": MATRIX_HOST,
                "fedops_matrix_federation_port": synapse_port,
                "fedops_homeserver_url": "https://%s:%d" % (MATRIX_HOST, synapse_port),
                "fedops_bridge_url": "http://127.0.0.1:3300",
                "fedops_bridge_registration_path": registration,
                # The lab runs legacy federation and the bridge side by side, as a workspace does while it migrates.
                "fedops_disable_other_modes": False,
            }
            vars_file = os.path.join(lab, "lab-vars.json")
            with open(vars_file, "w", encoding="utf-8") as handle:
                json.dump(lab_vars, handle, indent=1)
            os.chmod(vars_file, 0o600)

            # The homeserver's name must resolve for the peer-side check: an A record next to the SRV.
            subprocess.run([sys.executable, "-c", (
                "import dns.update, dns.query, dns.tsigkeyring, sys;"
                "k=dns.tsigkeyring.from_text({sys.argv[1]: (sys.argv[2], sys.argv[3])});"
                "u=dns.update.UpdateMessage(sys.argv[4], keyring=k);"
                "u.replace('matrix', 300, 'A', sys.argv[5]);"
                "dns.query.tcp(u, sys.argv[6], port=int(sys.argv[7]), timeout=5)"),
                bind.tsig_name, bind.tsig_algorithm, bind.tsig_secret, DOMAIN, MATRIX_ADDRESS, bind.host,
                str(bind.port)], check=True)

            print("\n### first run: legacy federation, then the Matrix bridge")
            first = [playbook("legacy.yml", vars_file, inventory), playbook("matrix_bridge.yml", vars_file, inventory)]

            synapse = SynapseServer(os.path.join(lab, "synapse"), server_name=DOMAIN, host=MATRIX_ADDRESS,
                                    port=synapse_port, tls_certificate_path=cert.cert_path,
                                    tls_private_key_path=cert.key_path,
                                    extra_config={"app_service_config_files": [registration],
                                                  "federation_custom_ca_list": [ca.cert_path]})
            with synapse:
                synapse.start()
                print("\n### second run: nothing may change")
                second = [playbook("legacy.yml", vars_file, inventory),
                          playbook("matrix_bridge.yml", vars_file, inventory)]
                print("\n### the homeserver as a peer sees it")
                check_vars = dict(lab_vars, fedops_check_ca_path=ca.cert_path)
                with open(vars_file, "w", encoding="utf-8") as handle:
                    json.dump(check_vars, handle, indent=1)
                playbook("check.yml", vars_file, inventory)
        finally:
            rc_server.shutdown()
            rc_server.server_close()
    print("\nchanged tasks - first run: %s, second run: %s" % (sum(first), sum(second)))
    if sum(second) != 0:
        raise SystemExit("the second run changed something: the playbooks are not idempotent")
    print("demo passed")


if __name__ == "__main__":
    main()
