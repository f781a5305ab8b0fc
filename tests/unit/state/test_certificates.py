"""The machine's CA and the edge's server certificates: a TLS client trusting the exported
bundle verifies the edge on localhost and 127.0.0.1, and the CA's key stays private."""

from __future__ import annotations

import socket
import ssl
import stat
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from emulator.state import certificates
from emulator.state.settings import EDGE_DOMAIN

pytestmark = pytest.mark.unit


def handshake(server_context: ssl.SSLContext, client_context: ssl.SSLContext, host: str) -> str:
    """Complete one TLS handshake over loopback; the name the client checked it against."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)

        def serve() -> None:
            connection, _ = listener.accept()
            try:
                with server_context.wrap_socket(connection, server_side=True) as tls:
                    tls.recv(1)
            except (ssl.SSLError, OSError):
                pass

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        address = ("127.0.0.1", listener.getsockname()[1])
        with (
            socket.create_connection(address, timeout=10) as raw,
            client_context.wrap_socket(raw, server_hostname=host) as tls,
        ):
            tls.sendall(b"x")
            subject = dict(item[0] for item in tls.getpeercert()["subject"])  # type: ignore[index]
        thread.join(10)
    return str(subject["commonName"])


def contexts(tmp_path: Path, system_roots: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    ca = certificates.authority(tmp_path / "tls")
    issued = certificates.server_certificate(ca, "env1")
    (tmp_path / "edge.pem").write_text(issued.certificate_pem)
    (tmp_path / "edge-key.pem").write_text(issued.key_pem)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(tmp_path / "edge.pem", tmp_path / "edge-key.pem")
    (tmp_path / "bundle.pem").write_text(certificates.bundle(system_roots, ca))
    client = ssl.create_default_context(cafile=str(tmp_path / "bundle.pem"))
    return server, client


def test_a_client_trusting_the_bundle_verifies_the_edge_on_localhost_and_loopback(tmp_path: Path) -> None:
    server, client = contexts(tmp_path, Path("/nonexistent/roots.pem"))
    assert handshake(server, client, "localhost") == "mwaa-local edge env1"
    assert handshake(server, client, "127.0.0.1") == "mwaa-local edge env1"
    with pytest.raises(ssl.SSLCertVerificationError, match=r"Hostname mismatch|doesn't match"):
        handshake(server, client, "example.com")


def test_a_client_without_the_local_ca_refuses_the_edge(tmp_path: Path) -> None:
    server, _ = contexts(tmp_path, Path("/nonexistent/roots.pem"))
    stranger = ssl.create_default_context()  # the system's roots only
    with pytest.raises(ssl.SSLCertVerificationError, match="self-signed certificate in certificate chain"):
        handshake(server, stranger, "localhost")


def test_the_ca_is_made_once_with_a_private_key_and_the_bundle_keeps_the_system_roots(tmp_path: Path) -> None:
    first = certificates.authority(tmp_path / "tls")
    assert certificates.authority(tmp_path / "tls").certificate.serial_number == first.certificate.serial_number
    assert stat.S_IMODE((tmp_path / "tls" / certificates.CA_KEY_FILE).stat().st_mode) == 0o600
    roots = tmp_path / "roots.pem"
    roots.write_text("-----BEGIN CERTIFICATE-----\nsystem root\n-----END CERTIFICATE-----\n")
    bundled = certificates.bundle(roots, first)
    assert bundled.startswith("-----BEGIN CERTIFICATE-----\nsystem root") and bundled.endswith(first.pem)


def test_the_ca_vouches_only_for_localhost_loopback_and_the_edges_names(tmp_path: Path) -> None:
    """The bundle is exported for whole shells: a certificate the CA signed for a public name
    must not be trusted, whatever name the client asks for."""
    ca = certificates.authority(tmp_path / "tls")
    (tmp_path / "bundle.pem").write_text(ca.pem)
    client = ssl.create_default_context(cafile=str(tmp_path / "bundle.pem"))

    def server_for(*names: str) -> ssl.SSLContext:
        issued = certificates.server_certificate(ca, "env1", names)
        (tmp_path / "s.pem").write_text(issued.certificate_pem)
        (tmp_path / "s-key.pem").write_text(issued.key_pem)
        server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.load_cert_chain(tmp_path / "s.pem", tmp_path / "s-key.pem")
        return server

    edge = f"mwaa-edge-0123456789ab.{EDGE_DOMAIN}"
    assert handshake(server_for(edge), client, edge) == "mwaa-local edge env1"
    with pytest.raises(ssl.SSLCertVerificationError, match=r"(?i)name constraint|permitted subtree"):
        handshake(server_for("www.example.com"), client, "www.example.com")


def test_an_older_ca_without_name_constraints_is_made_again(tmp_path: Path) -> None:
    folder = tmp_path / "tls"
    first = certificates.authority(folder)
    key = serialization.load_pem_private_key((folder / certificates.CA_KEY_FILE).read_bytes(), password=None)
    unconstrained = (
        x509.CertificateBuilder()
        .subject_name(first.certificate.subject)
        .issuer_name(first.certificate.subject)
        .public_key(first.certificate.public_key())  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(first.certificate.not_valid_before_utc)
        .not_valid_after(first.certificate.not_valid_after_utc)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())  # type: ignore[arg-type]
    )
    (folder / certificates.CA_FILE).write_bytes(unconstrained.public_bytes(serialization.Encoding.PEM))
    again = certificates.authority(folder)
    assert again.certificate.serial_number != unconstrained.serial_number
    assert certificates.constraints(again.certificate) == certificates.NAME_CONSTRAINTS
