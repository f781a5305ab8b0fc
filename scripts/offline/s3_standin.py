"""Offline stand-in for the MinIO server: moto's S3, with its state kept on /data.

It accepts MinIO's command line (`server /data --console-address :9001`) so the compose file
stays unchanged, saves the buckets (objects and version ids included) after every change so
`down` and `up` keep the bucket like MinIO does, and refuses anonymous requests and access
keys other than MINIO_ROOT_USER with MinIO's errors. (It does not verify signatures.)
"""

from __future__ import annotations

import argparse
import os
import pickle
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.s3.models import s3_backends
from werkzeug.serving import make_server

STATE_FILE = "moto-s3-state.pickle"
PARTITION = "aws"
MUTATING = {"PUT", "POST", "DELETE"}
ACCESS_KEY = re.compile(r"Credential=([^/]+)/")
HEALTH_PATHS = ("/minio/health/live", "/minio/health/ready")
ERROR_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    "<Error><Code>{code}</Code><Message>{message}</Message><Resource>{resource}</Resource></Error>"
)


class StateKeeper:
    """Writes the S3 backend to disk shortly after each mutating request."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / STATE_FILE
        self.dirty = threading.Event()
        self.lock = threading.Lock()

    def backend(self) -> Any:
        return s3_backends[DEFAULT_ACCOUNT_ID][PARTITION]

    def load(self) -> None:
        if self.path.exists():
            saved = pickle.loads(self.path.read_bytes())
            self.backend().__dict__.update(saved.__dict__)
            print(f"s3 stand-in: restored {len(saved.buckets)} bucket(s) from {self.path}", flush=True)

    def save(self) -> None:
        with self.lock:  # mutating requests hold it too: the pickle sees a consistent state
            temporary = self.path.with_suffix(".tmp")
            temporary.write_bytes(pickle.dumps(self.backend()))
            os.replace(temporary, self.path)

    def run_saver(self) -> None:
        while True:
            self.dirty.wait()
            self.dirty.clear()
            try:
                self.save()
            except Exception as error:  # keep the saver alive; try again on the next change
                print(f"s3 stand-in: saving state failed: {error!r}", flush=True)
                self.dirty.set()
                threading.Event().wait(1)

    def middleware(self, app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
        def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            if environ.get("PATH_INFO", "").startswith(HEALTH_PATHS):  # anonymous, as on MinIO
                start_response("200 OK", [("Content-Length", "0")])
                return [b""]
            refusal = refuse(environ)
            if refusal is not None:
                status, body = refusal
                start_response(status, [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
                return [body]
            if environ.get("REQUEST_METHOD") not in MUTATING:
                return app(environ, start_response)
            with self.lock:
                try:
                    return list(app(environ, start_response))
                finally:
                    self.dirty.set()

        return wrapped


def refuse(environ: dict[str, Any]) -> tuple[str, bytes] | None:
    """MinIO's answer to an anonymous request or an unknown access key; None to let it through."""
    expected = os.environ.get("MINIO_ROOT_USER")
    if not expected:
        return None
    query = environ.get("QUERY_STRING", "")
    credential = environ.get("HTTP_AUTHORIZATION", "") or query.replace("%2F", "/")
    found = ACCESS_KEY.search(credential) or re.search(r"X-Amz-Credential=([^/&]+)/", credential)
    resource = environ.get("PATH_INFO", "/")
    if found is None:
        message = "Access Denied."
        return "403 Forbidden", ERROR_XML.format(code="AccessDenied", message=message, resource=resource).encode()
    if found.group(1) != expected:
        message = "The Access Key Id you provided does not exist in our records."
        return "403 Forbidden", ERROR_XML.format(code="InvalidAccessKeyId", message=message, resource=resource).encode()
    return None


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="minio (moto stand-in)")
    parser.add_argument("command", choices=["server"])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--address", default=":9000")
    parser.add_argument("--console-address", default=":9001", help="accepted and ignored")
    args = parser.parse_args(argv)

    args.data_dir.mkdir(parents=True, exist_ok=True)
    keeper = StateKeeper(args.data_dir)
    keeper.load()
    threading.Thread(target=keeper.run_saver, daemon=True).start()

    host, _, port = args.address.rpartition(":")
    app = keeper.middleware(DomainDispatcherApplication(create_backend_app))
    server = make_server(host or "0.0.0.0", int(port), app, threaded=True)

    def stop(*_: object) -> None:
        keeper.save()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"s3 stand-in (moto) listening on {args.address}, data in {args.data_dir}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
