"""The control plane's container: `python -m emulator.control` serves the MWAA API over the
state home's records (its health check is `emulator.control.health`)."""

from __future__ import annotations

import logging

from emulator.api.server import serve
from emulator.control.health import PORT
from emulator.control.jobs import ThreadJobs
from emulator.control.plane import ControlPlane
from emulator.control.provisioner import DockerProvisioner
from emulator.control.store import FileStore
from emulator.settings import project_paths, state_home


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    home = state_home()
    plane = ControlPlane(FileStore(home), ThreadJobs(), DockerProvisioner(home, project_paths()))
    plane.recover()
    # All interfaces of the container; the region publishes the port on the host's loopback only.
    serve(plane, host="0.0.0.0", port=PORT)


if __name__ == "__main__":
    main()
