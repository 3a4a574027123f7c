"""acme_certificate against Pebble (RFC 8555) validating DNS-01 against the lab's BIND.

Pebble validates for real (it queries BIND for the TXT record the module published); orders are counted from
Pebble's own log and DNS messages by BIND's statistics channel, so "no order" and "no DNS traffic" are what the
servers saw.
"""
import os
import stat

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.support.ansible_run import run_module, run_tasks

MODULE = "fedops.rocketchat.acme_certificate"
NAMES = ["Acme.Test", "matrix.acme.test"]


def _updates(lab):
    return lab.bind.opcode_counts().get("UPDATE", 0)


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def _leaf(path):
    with open(path, "rb") as handle:
        return x509.load_pem_x509_certificates(handle.read())


def _public(path):
    with open(path, "rb") as handle:
        key = serialization.load_pem_private_key(handle.read(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def test_issue_converge_force_rename(lab, workdir):
    args = lab.args(workdir, NAMES)

    # check mode: predicts an order, contacts neither Pebble nor BIND, writes nothing
    orders, updates = lab.order_count(), _updates(lab)
    checked = run_module(MODULE, args, check=True)
    assert checked["changed"] is True and checked["renewal_reason"] == "no certificate yet"
    assert checked["account_key_created"] is True
    assert (lab.order_count(), _updates(lab)) == (orders, updates)
    assert sorted(os.listdir(workdir)) == []

    # first issuance: one order, TXT published and removed again (2 UPDATEs per name), files 0600/0644
    issued = run_module(MODULE, args)
    assert issued["changed"] is True and issued["order_uri"]
    assert lab.order_count() == orders + 1
    assert _updates(lab) == updates + 4
    assert issued["challenges"] == ["_acme-challenge.acme.test", "_acme-challenge.matrix.acme.test"]
    assert issued["challenge_stats"] == {"published": 2, "removed": 2}
    for name in issued["challenges"]:
        assert lab.lookup(name) is None
    chain = _leaf(args["certificate_path"])
    leaf = chain[0]
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sorted(san.get_values_for_type(x509.DNSName)) == ["acme.test", "matrix.acme.test"]
    assert len(chain) >= 2 and leaf.issuer == chain[1].subject and "Pebble" in leaf.issuer.rfc4514_string()
    roots = x509.load_pem_x509_certificates(lab.pebble.issuer_roots())
    assert chain[-1].issuer in [r.subject for r in roots]
    assert _public(args["key_path"]) == leaf.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert _mode(args["key_path"]) == 0o600 and _mode(args["account_key_path"]) == 0o600
    assert _mode(args["certificate_path"]) == 0o644
    assert issued["certificate"]["days_left"] > 30
    output = issued["_playbook"].output
    for secret in (lab.bind.tsig_secret, open(args["key_path"]).read().splitlines()[1],
                   open(args["account_key_path"]).read().splitlines()[1]):
        assert secret not in output

    # converged: no order, no DNS message, no write
    mtime = os.stat(args["certificate_path"]).st_mtime_ns
    orders, updates, queries = lab.order_count(), _updates(lab), lab.bind.opcode_counts().get("QUERY", 0)
    again = run_module(MODULE, args)
    assert again["changed"] is False and again["order_uri"] is None and again["renewal_reason"] is None
    assert (lab.order_count(), _updates(lab), lab.bind.opcode_counts().get("QUERY", 0)) == (orders, updates, queries)
    assert os.stat(args["certificate_path"]).st_mtime_ns == mtime
    assert run_module(MODULE, args, check=True)["changed"] is False

    # remaining_days above the validity left: renewal predicted, then done
    long_wait = dict(args, remaining_days=issued["certificate"]["days_left"] + 1)
    predicted = run_module(MODULE, long_wait, check=True)
    assert predicted["changed"] is True and "fewer than remaining_days" in predicted["renewal_reason"]
    assert lab.order_count() == orders

    # forced renewal: a new order, a new key, a new serial, same account
    forced = run_module(MODULE, dict(args, force=True))
    assert forced["changed"] is True and forced["renewal_reason"] == "forced"
    assert lab.order_count() == orders + 1
    assert forced["certificate"]["serial"] != issued["certificate"]["serial"]
    assert forced["account_uri"] == issued["account_uri"] and forced["account_key_created"] is False
    assert _public(args["key_path"]) != leaf.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)

    # a name added: renewed for the new set
    grown = run_module(MODULE, dict(args, names=NAMES + ["chat.acme.test"]))
    assert grown["changed"] is True and grown["renewal_reason"].startswith("names changed")
    assert grown["certificate"]["names"] == ["acme.test", "chat.acme.test", "matrix.acme.test"]


def test_dns_provider_failure_mid_challenge_cleans_up(lab, workdir):
    # acme.test takes the update, locked.test refuses it: the first record is published, the second fails
    args = lab.args(workdir, ["ok.acme.test", "www.locked.test"])
    orders, updates = lab.order_count(), _updates(lab)
    failed = run_module(MODULE, args, expect_failure=True)
    assert "publishing the dns-01 challenge _acme-challenge.www.locked.test TXT through provider rfc2136 failed" \
        in failed["msg"], failed["msg"]
    assert "were removed, no certificate or key was written" in failed["msg"]
    assert failed["challenge_stats"] == {"published": 1, "removed": 1}
    assert lab.order_count() == orders + 1
    assert _updates(lab) >= updates + 3  # published, refused, removed
    assert lab.lookup("_acme-challenge.ok.acme.test.") is None
    assert not os.path.exists(args["certificate_path"]) and not os.path.exists(args["key_path"])
    assert lab.bind.tsig_secret not in failed["_playbook"].output


def test_rejected_challenge_is_a_clear_error(lab, workdir):
    # HTTP-01 for a name that resolves (BIND) to an address where nothing serves the challenge
    lab.update("acme.test", replace={"web.acme.test.": ("A", 60, ["127.0.0.1"])})
    webroot = os.path.join(workdir, "webroot")
    args = lab.args(workdir, ["web.acme.test"], challenge="http-01", webroot=webroot)
    failed = run_module(MODULE, args, expect_failure=True)
    assert failed["msg"].startswith("the ACME server rejected the http-01 challenge: web.acme.test (http-01): "), \
        failed["msg"]
    assert "were removed, no certificate or key was written" in failed["msg"]
    assert os.listdir(os.path.join(webroot, ".well-known", "acme-challenge")) == []
    assert not os.path.exists(args["certificate_path"]) and not os.path.exists(args["key_path"])


def test_bad_input_fails_before_anything(lab, workdir):
    orders = lab.order_count()
    cases = [("terms_agreed", lab.args(workdir, NAMES, terms_agreed=False)),
             ("names", lab.args(workdir, ["bad_name!.acme.test"])),
             ("wildcard", lab.args(workdir, ["*.acme.test"], challenge="http-01", webroot=workdir))]
    play = run_tasks([{"name": case, MODULE: args, "ignore_errors": True} for case, args in cases])
    assert [r["status"] for r in play.records] == ["failed"] * 3, play.output[-3000:]
    msgs = [r["result"]["msg"] for r in play.records]
    assert msgs[0].startswith("terms_agreed: ") and msgs[1].startswith("names: ")
    assert "need challenge=dns-01" in msgs[2]
    assert lab.order_count() == orders and os.listdir(workdir) == []
