"""Where an environment's edge gets its TLS certificate and token key, on the machine's side
(the CLI and the control plane; the container only receives them through compose variables).

- The machine's CA lives in `<state home>/region/ca/` (made once, under a lock: environments
  created side by side must not each make one), with the CA bundle clients trust next to it.
- Each environment's server certificate is kept in its state folder (`edge/`) and made again
  only when the CA changed, its names changed or it nears its end, so a restart keeps it.
- The token key is random and the edge's alone: made once per environment in its state folder
  (`edge/token.key`), never in an image, and derived from nothing an Airflow container holds (a
  DAG that read the web server's secret key could otherwise forge an Admin's web login token).
  A new environment gets a new key.
"""

from __future__ import annotations

import datetime
import os
import secrets
import ssl
from dataclasses import dataclass
from pathlib import Path

from emulator.state import certificates
from emulator.state.home import EnvironmentState
from emulator.state.locks import locked
from emulator.state.private_files import create_private, write_private

CA_FOLDER = Path("region") / "ca"
BUNDLE_FILE = "ca-bundle.pem"
CERTIFICATE_FILE, KEY_FILE = "certificate.pem", "key.pem"
TOKEN_KEY_FILE = "token.key"
RENEW_MARGIN = datetime.timedelta(days=30)
LOCK_TIMEOUT = 60.0
# Where Debian, Fedora/RHEL and Alpine keep the system's trusted roots.
SYSTEM_ROOTS = (
    Path("/etc/ssl/certs/ca-certificates.crt"),
    Path("/etc/pki/tls/certs/ca-bundle.crt"),
    Path("/etc/ssl/cert.pem"),
)


@dataclass(frozen=True)
class EdgeCredentials:
    certificate_pem: str
    key_pem: str
    token_key: bytes


def ca_directory(home: Path) -> Path:
    return home / CA_FOLDER


def bundle_path(home: Path) -> Path:
    return ca_directory(home) / BUNDLE_FILE


def machine_authority(home: Path) -> certificates.Authority:
    with locked(home / "locks" / "ca.lock", LOCK_TIMEOUT, "Another mwaa-local command is making the machine's CA"):
        return certificates.authority(ca_directory(home))


def system_roots() -> Path | None:
    default = ssl.get_default_verify_paths().cafile
    for candidate in (*([Path(default)] if default else []), *SYSTEM_ROOTS):
        if candidate.is_file():
            return candidate
    try:
        import certifi
    except ImportError:
        return None
    return Path(certifi.where())


def write_bundle(home: Path) -> Path:
    """The CA bundle `mwaa-local env` exports: the system's roots, then the machine's CA."""
    ca = machine_authority(home)
    roots = system_roots()
    path = bundle_path(home)
    text = certificates.bundle(roots, ca) if roots else ca.pem
    if not path.exists() or path.read_text() != text:
        staging = path.with_suffix(f".{os.getpid()}.tmp")
        staging.write_text(text)
        staging.replace(path)
    return path


def token_key(state: EnvironmentState) -> bytes:
    """The key the edge checks CLI, web login and REST tokens with (made at first use; of two
    processes making it at once, both get the one saved first)."""
    path = state.directory / "edge" / TOKEN_KEY_FILE
    create_private(path, secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


def for_environment(state: EnvironmentState, names: tuple[str, ...]) -> EdgeCredentials:
    ca = machine_authority(state.home)
    folder = state.directory / "edge"
    certificate_path, key_path = folder / CERTIFICATE_FILE, folder / KEY_FILE
    if certificate_path.is_file() and key_path.is_file():
        stored = certificate_path.read_text()
        if certificates.still_good(stored, ca, names, RENEW_MARGIN):
            return EdgeCredentials(stored, key_path.read_text(), token_key(state))
    issued = certificates.server_certificate(ca, state.name, names)
    folder.mkdir(parents=True, exist_ok=True)
    write_private(key_path, issued.key_pem)
    write_private(certificate_path, issued.certificate_pem)
    return EdgeCredentials(issued.certificate_pem, issued.key_pem, token_key(state))
