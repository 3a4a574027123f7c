"""A throw-away PKI for TLS tests, made with `cryptography`: a CA and server certificates signed by it.

Certificates use EC P-256 (fast to generate). Server certificates carry their names as subjectAltName
(DNS names and IP addresses), the serverAuth EKU, and the certificate file holds the full chain (leaf then CA)
as a TLS server needs it. `untrusted_ca()` gives a second, independent CA whose certificates a client that
trusts only the first CA rejects; `issue(..., names=[...])` with other names gives a wrong-name certificate.
"""
import datetime
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _write(path, data, mode=0o644):
    with open(path, "wb") as handle:
        handle.write(data)
    os.chmod(path, mode)
    return path


def _key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _san(names):
    entries = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


class ServerCert:
    """Paths of one issued certificate: `cert_path` (leaf + chain), `key_path`, and the names it is valid for."""

    def __init__(self, cert_path, key_path, names, certificate):
        self.cert_path = cert_path
        self.key_path = key_path
        self.names = list(names)
        self.certificate = certificate

    @property
    def sha256(self):
        return self.certificate.fingerprint(hashes.SHA256()).hex()


class TestCA:
    """A certificate authority kept in `workdir`; `cert_path` is the bundle a client should trust."""

    __test__ = False  # not a pytest test class

    def __init__(self, workdir, common_name="fedops test CA"):
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.common_name = common_name
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = _now()
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        slug = common_name.replace(" ", "-")
        self.cert_path = _write(os.path.join(workdir, "%s.crt" % slug), self.pem)

    @property
    def pem(self):
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def issue(self, slug, names, days=30, not_before=None):
        """A server certificate for `names` (DNS names or IP literals); the first name is the subject CN."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = _now()
        start = not_before or (now - datetime.timedelta(minutes=5))
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_san(names), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
        )
        cert = builder.sign(self.key, hashes.SHA256())
        cert_path = _write(os.path.join(self.workdir, "%s.crt" % slug),
                           cert.public_bytes(serialization.Encoding.PEM) + self.pem)
        key_path = _write(os.path.join(self.workdir, "%s.key" % slug), _key_pem(key), 0o600)
        return ServerCert(cert_path, key_path, names, cert)


def untrusted_ca(workdir):
    """A second CA, unrelated to any other: certificates it issues fail verification against another CA's bundle."""
    return TestCA(os.path.join(workdir, "untrusted"), common_name="fedops untrusted CA")
