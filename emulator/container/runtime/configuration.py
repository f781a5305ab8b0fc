"""An environment's configuration files, installed into its image once per configuration.

The control plane reads requirements.txt, plugins.zip and the startup script from the bucket at
the object versions CreateEnvironment/UpdateEnvironment name, and builds an image on top of the
version's Airflow image (compose/configuration.Dockerfile) whose one step is `configure <staging
folder>`: the zip extracted to the plugins folder, the script and the requirements put where
MWAA keeps them, the requirements installed for the airflow user. Every component then starts
from that same image: the same package set everywhere, and no pip run at a (re)start.
"""

from __future__ import annotations

import json
import shutil
import socket
import zipfile
from pathlib import Path

from emulator.container.runtime import requirements
from emulator.model.configuration_files import FILES, STAGED_MANIFEST, ConfigurationError, check_zip, describe
from emulator.model.container_contract import REQUIREMENTS_STREAM

AIRFLOW_HOME = Path("/usr/local/airflow")
PLUGINS = AIRFLOW_HOME / "plugins"
REQUIREMENTS = AIRFLOW_HOME / "requirements" / "requirements.txt"
STARTUP_SCRIPT = AIRFLOW_HOME / "startup" / "startup.sh"
MANIFEST = Path("/usr/local/mwaa/configuration.json")


def extract_plugins(path: Path, described: str, target: Path = PLUGINS) -> int:
    """The zip's top level becomes the plugins folder's top level (docs/reference.md §12.3)."""
    members = check_zip(path, described)
    with zipfile.ZipFile(path) as archive:
        archive.extractall(target)
    return len([member for member in members if not member.is_dir()])


def configure(staging: Path) -> int:
    """The build step: put the staged files in place and install the requirements."""
    manifest = json.loads((staging / STAGED_MANIFEST).read_text())

    def emit(line: str) -> None:
        print(f"{REQUIREMENTS_STREAM}: {line}", flush=True)

    try:
        if (staging / FILES["plugins"]).is_file():
            count = extract_plugins(staging / FILES["plugins"], describe(manifest, "plugins"))
            print(f"plugins: extracted {count} files of {describe(manifest, 'plugins')} to {PLUGINS}", flush=True)
        if (staging / FILES["startup"]).is_file():
            shutil.copyfile(staging / FILES["startup"], STARTUP_SCRIPT)
            STARTUP_SCRIPT.chmod(0o755)
        if (staging / FILES["requirements"]).is_file():
            shutil.copyfile(staging / FILES["requirements"], REQUIREMENTS)
            emit(f"installing {describe(manifest, 'requirements')}")
            code = requirements.install(REQUIREMENTS, emit)
            if code != 0:
                raise ConfigurationError(f"installing {describe(manifest, 'requirements')} failed (pip exit {code})")
            emit("requirements installed")
    except ConfigurationError as error:
        print(f"ERROR: {error}", flush=True)
        return 1
    MANIFEST.write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return 0


def announce(manifest_path: Path = MANIFEST) -> None:
    """At a component's start: which configuration this image holds; pip does not run again."""
    if not manifest_path.is_file():
        return
    manifest = json.loads(manifest_path.read_text())
    if "requirements" in manifest:
        print(
            f"{REQUIREMENTS_STREAM}_{socket.gethostname()}: requirements.txt was installed once, when this "
            f"configuration's image was built (from {describe(manifest, 'requirements')}); pip does not run at start",
            flush=True,
        )
    if "plugins" in manifest:
        print(
            f"plugins: plugins.zip is extracted in {PLUGINS} (built from {describe(manifest, 'plugins')})", flush=True
        )
