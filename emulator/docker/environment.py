"""An environment's compose project: rendering its settings, building its image, running it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from emulator.docker import build, database, images, ports, render, startup
from emulator.docker import engine as docker_engine
from emulator.docker.compose import ComposeProject, ServiceContainer, published_ports
from emulator.docker.readiness import ONE_SHOT
from emulator.model import topology
from emulator.model.errors import ImageBuildError
from emulator.model.record import EnvironmentRecord
from emulator.state import edge_credentials as credentials
from emulator.state.home import EnvironmentState, LocalSettings
from emulator.state.private_files import write_private
from emulator.state.settings import Naming, Paths, ca_bundle

BUILD_SERVICE = "init"
CONFIGURATION_SERVICE = "configuration"  # builds the configured image (compose profile of the same name)
WORKER_SERVICE = "worker"
DRAINING_POLICY = "no"  # a draining worker's restart policy: the compose file gives workers another
STOP_TIMEOUT = 10  # seconds `down` gives a container to stop, as compose's default


class StagedConfiguration(Protocol):
    """What a start needs of the configuration the control plane staged for the configured image
    (emulator/service/provider/staged_configuration.py): its build context and a digest of everything in it."""

    @property
    def digest(self) -> str: ...

    @property
    def context(self) -> Path: ...


@dataclass(frozen=True)
class Builds:
    """The hashes of the inputs of an environment's images: the version's, and the configured
    one's when the environment has configuration files."""

    base: str
    configured: str | None = None


class EnvironmentStack:
    """An environment's compose project. `project` runs with the files `up` rendered (to start
    and build); `by_name` needs no file and is what stopping and reading use."""

    def __init__(self, paths: Paths, state: EnvironmentState, naming: Naming, profiles: Sequence[str] = ()) -> None:
        self.paths = paths
        self.state = state
        self.naming = naming
        self.project = ComposeProject(
            naming.environment_project(state.name),
            [paths.environment_compose, state.airflow_env_path],
            state.compose_env_path,
            tuple(profiles),
        )
        self.by_name = ComposeProject.by_name(self.project.name)

    @classmethod
    def for_record(
        cls, paths: Paths, state: EnvironmentState, naming: Naming, record: EnvironmentRecord
    ) -> EnvironmentStack:
        return cls(paths, state, naming, topology.profiles(record))

    def render(
        self,
        record: EnvironmentRecord,
        settings: LocalSettings,
        configuration: StagedConfiguration | None = None,
    ) -> Builds:
        """Write the compose inputs for `record`, with the image's build context assembled under
        the state home (from the checkout or the installed package); returns the build hashes."""
        version = record.airflow_version
        base_image = images.python_image(version.python, settings.image_settings)
        digest = build.build_hash(self.paths, version.version, version.python, base_image)
        context = build.assemble_context(
            self.paths, version.version, build.context_folder(self.state.home, version.version)
        )
        configured = None
        if configuration is not None:
            configured = render.Configured(
                str(configuration.context), build.hash_files({}, digest, configuration.digest)
            )
        secrets = self.state.create_secrets()
        rendered = render.render_environment(
            record,
            settings,
            secrets,
            self.state.create_role_credentials(),
            digest,
            str(ca_bundle(self.paths)),
            self.naming,
            build_context=str(context),
            configured=configured,
            edge=credentials.for_environment(self.state, (self.naming.edge_host(record.name),)),
            existing_workers=len(self.workers()),
        )
        write_private(self.state.compose_env_path, render.env_file_text(rendered.compose_env))
        write_private(self.state.airflow_env_path, render.override_text(rendered.airflow_override))
        return Builds(digest, configured.build_hash if configured else None)

    def image_current(self, record: EnvironmentRecord, digest: str) -> bool:
        return build.image_hash(images.airflow_image(record.airflow_version.version)) == digest

    def configured_current(self, record: EnvironmentRecord, configured_hash: str) -> bool:
        return (
            build.image_hash(images.configured_image(record.airflow_version.version, configured_hash))
            == configured_hash
        )

    def build(self, on_step: Callable[[str], None]) -> None:
        build.build_image(self.project, BUILD_SERVICE, self.log_file, on_step)

    def build_configuration(self, on_step: Callable[[str], None]) -> None:
        """Build the configured image: the requirements install's output is its build log. A
        failure says what failed in the configure step's own words (pip's reason included)."""
        project = self.project.with_profiles(CONFIGURATION_SERVICE)
        try:
            build.build_image(
                project, CONFIGURATION_SERVICE, self.requirements_log, on_step, what="the environment's configuration"
            )
        except ImageBuildError as error:
            said = build.step_errors(self.requirements_log.read_text(errors="replace"))
            if not said:
                raise
            raise ImageBuildError(
                "Installing the environment's configuration failed: " + " / ".join(said),
                hint=f"`mwaa-local logs requirements_install --name {self.state.name}` shows pip's whole output.",
            ) from error

    def check_ports(self, settings: LocalSettings) -> None:
        ports.check_free(
            [
                ports.HostPort(settings.web_port, "the Airflow UI", "mwaa-local up --web-port N"),
                *(
                    [ports.HostPort(settings.https_port, "the WebserverUrl (https)", "mwaa-local up --https-port N")]
                    if settings.https_port
                    else []
                ),
            ],
            published_ports(self.containers()),
        )

    def follow_version(self, record: EnvironmentRecord, report: Callable[[str], None]) -> None:
        """A database a newer minor version migrated is downgraded before this version starts."""
        database.follow_version(self.project, record.airflow_version.version, report)

    def start(self, timeout: float, on_progress: startup.Progress) -> float:
        # A finished one-shot container (init) from an earlier `up` would read as this run's
        # result (a failure, or a success before init ran again): start from a fresh one.
        self.project.run("rm", "--force", "--stop", *ONE_SHOT, check=False)
        self.remove_drained_workers()
        expected = self.project.services()
        # Containers of another shape (mw1.micro's hybrid after a class change, or the other way
        # round) stop as gracefully as a replaced worker; compose leaves them to run otherwise.
        stale = sorted({c.service for c in self.containers()} - set(expected) - {CONFIGURATION_SERVICE})
        if stale:
            self.by_name.run("rm", "--stop", "--force", *stale, check=False)
        return startup.start(self.project, expected, f"environment {self.state.name}", timeout, on_progress)

    # -- workers (the autoscaler's means) ------------------------------------------------------

    def add_workers(self, total: int) -> None:
        """Run `total` worker containers, creating the missing ones and touching no other."""
        self.project.run(
            "up", "--detach", "--no-deps", "--no-recreate", "--scale", f"{WORKER_SERVICE}={total}", WORKER_SERVICE
        )

    def drain_worker(self, worker: ServiceContainer) -> None:
        """Celery's warm shutdown: the worker takes no new task, finishes the ones it runs, then
        exits; with its restart policy off the engine leaves it stopped (`remove_drained_workers`)."""
        api = docker_engine.client().api
        api.update_container(worker.id, restart_policy={"Name": DRAINING_POLICY})
        api.kill(worker.id, signal="SIGTERM")

    def remove_drained_workers(self, workers: list[ServiceContainer] | None = None) -> list[ServiceContainer]:
        """Remove the drained workers (of `workers`, else all) that have exited; returns them."""
        listed = self.workers() if workers is None else workers
        done = [w for w in listed if w.restart_policy == DRAINING_POLICY and w.state != "running"]
        for worker in done:
            docker_engine.remove_container(worker.id)  # one already gone is as good
        return done

    def containers(self) -> list[ServiceContainer]:
        return self.by_name.containers()

    def service_containers(self, service: str) -> list[ServiceContainer]:
        return self.by_name.containers(service)

    def workers(self) -> list[ServiceContainer]:
        """The Celery worker containers, draining ones included."""
        return self.service_containers(WORKER_SERVICE)

    def down(self, volumes: bool) -> None:
        # Stopping is not a graceful replacement: running tasks do not hold it up for hours.
        self.by_name.run(
            "down",
            "--remove-orphans",
            "--timeout",
            str(STOP_TIMEOUT),
            *(["--volumes"] if volumes else []),
            capture=False,
        )

    def logs(self, service: str | None, follow: bool, tail: str, matching: str | None = None) -> int:
        """Show the logs (compose's own output), or only their lines holding `matching`;
        returns compose's exit code."""
        arguments = [f"--tail={tail}", *(["--follow"] if follow else []), *([service] if service else [])]
        if matching is None:
            return self.by_name.run("logs", *arguments, capture=False, check=False).returncode
        process = self.by_name.popen("logs", "--no-color", *arguments)
        assert process.stdout is not None
        for line in process.stdout:
            if matching in line:
                print(line, end="", flush=True)
        return process.wait()

    @property
    def log_file(self) -> Path:
        return self.state.directory / "build.log"

    @property
    def requirements_log(self) -> Path:
        """The last build of the configured image: MWAA's `requirements_install` stream."""
        return self.state.directory / "requirements_install.log"
