"""The control plane's container: `python -m emulator.control` serves the MWAA API over the
state home's records; `--check` is its health check (the API answers ListEnvironments)."""

from __future__ import annotations

import argparse
import logging
import sys
import urllib.request

from emulator.api.server import serve
from emulator.control.jobs import ThreadJobs
from emulator.control.plane import ControlPlane
from emulator.control.provisioner import DockerProvisioner
from emulator.control.store import FileStore
from emulator.settings import project_paths, state_home

PORT = 4566  # inside the container; the region publishes it on 127.0.0.1 (MWAA_LOCAL_API_PORT)


def healthy() -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/environments", timeout=4) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m emulator.control")
    parser.add_argument("--check", action="store_true", help="exit 0 when the API answers")
    if parser.parse_args().check:
        sys.exit(0 if healthy() else 1)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    home = state_home()
    plane = ControlPlane(FileStore(home), ThreadJobs(), DockerProvisioner(home, project_paths()))
    plane.recover()
    # All interfaces of the container; the region publishes the port on the host's loopback only.
    serve(plane, host="0.0.0.0", port=PORT)


if __name__ == "__main__":
    main()
