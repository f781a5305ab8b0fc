"""TLS for the edge, as MWAA serves its web server: https on the WebserverUrl.

mwaa-local makes one certificate authority per machine (per state home), kept in its state and
never in an image, and issues each environment's edge a server certificate for `localhost` and
127.0.0.1 from it. Clients trust it through a CA bundle (the system's roots plus this CA) that
`mwaa-local env` exports for botocore, requests, curl and Python's ssl. Since that bundle is
exported for whole shells, the CA is name-constrained: it can vouch only for localhost, the
loopback addresses and the edges' names (EDGE_DOMAIN), never for a public name.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from emulator.state.private_files import write_private
from emulator.state.settings import EDGE_DOMAIN

CA_FILE, CA_KEY_FILE = "ca.pem", "ca-key.pem"
CA_LIFETIME = datetime.timedelta(days=3650)
# Browsers refuse server certificates valid longer than 398 days.
SERVER_LIFETIME = datetime.timedelta(days=397)
SERVER_NAMES = ("localhost",)
SERVER_ADDRESSES = ("127.0.0.1", "::1")
# What the CA may sign for (RFC 5280 name constraints, enforced by every TLS client that
# verifies a chain): a certificate it issued for any other name or address is refused.
NAME_CONSTRAINTS = x509.NameConstraints(
    permitted_subtrees=[
        x509.DNSName("localhost"),
        x509.DNSName(EDGE_DOMAIN),
        x509.IPAddress(ipaddress.ip_network("127.0.0.0/8")),
        x509.IPAddress(ipaddress.ip_network("::1/128")),
    ],
    excluded_subtrees=None,
)


@dataclass(frozen=True)
class Authority:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()


@dataclass(frozen=True)
class ServerCertificate:
    certificate_pem: str  # the server's certificate, then the CA's (the chain it presents)
    key_pem: str


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _pem_key(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def authority(directory: Path) -> Authority:
    """The machine's CA from `directory`, made there (key readable by the owner only) the first
    time, or again when it is about to expire."""
    certificate_path, key_path = directory / CA_FILE, directory / CA_KEY_FILE
    if certificate_path.exists() and key_path.exists():
        certificate = x509.load_pem_x509_certificate(certificate_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        current = (
            isinstance(key, ec.EllipticCurvePrivateKey)
            and certificate.not_valid_after_utc > _now() + SERVER_LIFETIME
            and constraints(certificate) == NAME_CONSTRAINTS
        )
        if current:  # else made again: an older CA (without its constraints) is replaced
            return Authority(certificate, key)  # type: ignore[arg-type]
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"mwaa-local CA ({socket.gethostname()})")])
    now = _now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )  # keyCertSign, cRLSign
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(NAME_CONSTRAINTS, critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    write_private(key_path, _pem_key(key))
    certificate_path.write_text(certificate.public_bytes(serialization.Encoding.PEM).decode())
    return Authority(certificate, key)


def constraints(certificate: x509.Certificate) -> x509.NameConstraints | None:
    try:
        return certificate.extensions.get_extension_for_class(x509.NameConstraints).value
    except x509.ExtensionNotFound:
        return None


def server_certificate(ca: Authority, environment: str, extra_names: tuple[str, ...] = ()) -> ServerCertificate:
    """A certificate for an environment's edge on localhost and the loopback addresses, and on
    `extra_names` (the name the control plane reaches it by on the region network)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    names: list[x509.GeneralName] = [x509.DNSName(name) for name in (*SERVER_NAMES, *extra_names)]
    names += [x509.IPAddress(ipaddress.ip_address(address)) for address in SERVER_ADDRESSES]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"mwaa-local edge {environment}")]))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(min(now + SERVER_LIFETIME, ca.certificate.not_valid_after_utc))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.certificate.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca.key, hashes.SHA256())
    )
    chain = certificate.public_bytes(serialization.Encoding.PEM).decode() + ca.pem
    return ServerCertificate(chain, _pem_key(key))


def bundle(system_roots: Path, ca: Authority) -> str:
    """The system's trusted roots plus the machine's CA: one file clients can be pointed at
    (AWS_CA_BUNDLE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, SSL_CERT_FILE) and still reach AWS."""
    roots = system_roots.read_text() if system_roots.is_file() else ""
    return f"{roots.rstrip()}\n{ca.pem}" if roots else ca.pem


def still_good(certificate_pem: str, ca: Authority, names: tuple[str, ...], margin: datetime.timedelta) -> bool:
    """Whether a stored server certificate was issued by `ca`, names every one of `names` and is
    valid for at least `margin` more."""
    try:
        certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
        certificate.verify_directly_issued_by(ca.certificate)
        given = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, TypeError, x509.ExtensionNotFound, InvalidSignature):
        return False
    return set(names) <= set(given.get_values_for_type(x509.DNSName)) and (
        certificate.not_valid_after_utc > _now() + margin
    )
