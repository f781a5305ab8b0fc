"""The control plane's container: `python -m emulator.control` serves the MWAA API over the
state home's records (its health check is `emulator.control.health`)."""

from __future__ import annotations

import logging
from pathlib import Path

from emulator.api.server import serve
from emulator.control.health import PORT
from emulator.control.jobs import ThreadJobs
from emulator.control.plane import ControlPlane
from emulator.control.provisioner import DockerProvisioner
from emulator.control.store import FileStore
from emulator.environments.state import RegionState
from emulator.iam import principals
from emulator.iam.access import AccessControl
from emulator.iam.principals import Principal, Principals
from emulator.settings import project_paths, state_home


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    home = state_home()
    plane = ControlPlane(FileStore(home), ThreadJobs(), DockerProvisioner(home, project_paths()))
    plane.recover()
    access = AccessControl(Principals(lambda: region_admin(home), home / principals.FILE_NAME))
    # All interfaces of the container; the region publishes the port on the host's loopback only.
    serve(plane, access, host="0.0.0.0", port=PORT)


def region_admin(home: Path) -> Principal:
    """The zero-configuration principal: the region's keys (read on each request: a region made
    again gets new ones)."""
    keys = RegionState(home).secrets()
    return principals.admin(keys.access_key, keys.secret_key)


if __name__ == "__main__":
    main()
