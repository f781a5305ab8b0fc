import ast
import tomllib
from pathlib import Path

from emulator.docker.build import (
    CONTAINER_MODEL_FILES,
    build_hash,
    build_inputs,
    control_plane_files,
    failing_step,
    step_errors,
)

BUILDKIT_FAILURE = """#10 [build 5/8] RUN python3 -c "import sys"
#10 DONE 0.1s
#11 [build 7/8] RUN --mount=type=cache,target=/root/.cache/pip pip-install python3 -m pip install ...
#11 3.1 ERROR: Could not find a version that satisfies the requirement apache-airflow==9.9.9
#11 ERROR: process "/bin/sh -c pip-install ..." did not complete successfully: exit code: 1
------
 > [build 7/8] RUN --mount=type=cache,target=/root/.cache/pip pip-install python3 -m pip install ...:
3.1 ERROR: Could not find a version that satisfies the requirement apache-airflow==9.9.9
------
failed to solve: process "/bin/sh -c pip-install ..." did not complete successfully: exit code: 1"""


def test_the_failing_step_and_its_error_are_extracted() -> None:
    excerpt = failing_step(BUILDKIT_FAILURE)
    assert excerpt.lstrip().startswith("> [build 7/8] RUN")
    assert "apache-airflow==9.9.9" in excerpt
    assert excerpt.endswith("exit code: 1")
    assert "[build 5/8]" not in excerpt


def test_build_hash_follows_the_image_inputs_only(tmp_path: Path) -> None:
    for folder in (
        "scripts/docker",
        "emulator/container/runtime",
        "emulator/container/sync",
        "emulator/model/versions/data/3.3.1",
        "emulator/model/versions/data/2.10.3",
        "emulator/cli",
    ):
        (tmp_path / folder).mkdir(parents=True)
    for name in (
        "Dockerfile",
        ".dockerignore",
        "emulator/__init__.py",
        "emulator/container/runtime/a.py",
        *CONTAINER_MODEL_FILES,
        "emulator/model/versions/data/3.3.1/pins.txt",
        "emulator/model/versions/data/2.10.3/pins.txt",
        "emulator/cli/commands.py",
    ):
        (tmp_path / name).write_text("1")
    first = build_hash(tmp_path, "3.3.1", "python:3.12")
    assert build_hash(tmp_path, "3.3.1", "python:3.12") == first
    assert build_hash(tmp_path, "3.3.1", "mirror/python:3.12") != first
    (tmp_path / "emulator" / "cli" / "commands.py").write_text("2")
    (tmp_path / "emulator" / "model" / "versions" / "data" / "2.10.3" / "pins.txt").write_text("2")
    assert build_hash(tmp_path, "3.3.1", "python:3.12") == first, "the CLI and other versions are not in the image"
    (tmp_path / "emulator" / "container" / "runtime" / "a.py").write_text("2")
    assert build_hash(tmp_path, "3.3.1", "python:3.12") != first


def test_the_hashed_inputs_are_what_the_dockerfile_copies() -> None:
    root = Path(__file__).resolve().parents[3]
    dockerfile = (root / "Dockerfile").read_text()
    airflow_stages, control_plane_stage = dockerfile.split("AS control-plane\n")

    def copied(stages: str) -> set[str]:
        return {
            source.removesuffix("/").replace("${AIRFLOW_VERSION}", "3.3.1")
            for line in stages.splitlines()
            if line.startswith("COPY ") and "--from=" not in line
            for source in line.split()[1:-1]
            if not source.startswith("--")
        }

    hashed = {path.relative_to(root).as_posix() for path in build_inputs(root, "3.3.1")}
    for source in copied(airflow_stages):
        assert any(path == source or path.startswith(source + "/") for path in hashed), source
    control_plane = set(control_plane_files(root))
    assert "." in copied(control_plane_stage), "the control plane copies its whole assembled context"
    for source in copied(control_plane_stage) - {"."}:
        assert source in control_plane, source
    assert {
        "Dockerfile",
        "compose/region.yaml",
        "emulator/cli/commands.py",
        "emulator/service/provider/plane.py",
    } <= control_plane
    assert not [name for name in control_plane if "__pycache__" in name or "/_data/" in name]


def test_the_dockerignore_lets_every_image_input_through() -> None:
    """The build context `.dockerignore` leaves holds every file the build hash reads."""
    root = Path(__file__).resolve().parents[3]
    allowed = [
        line[1:].removesuffix("/") for line in (root / ".dockerignore").read_text().splitlines() if line.startswith("!")
    ]
    for path in build_inputs(root, "3.3.1"):
        name = path.relative_to(root).as_posix()
        if name == ".dockerignore":
            continue  # Docker reads it whatever it says
        assert any(name == entry or name.startswith(entry + "/") for entry in allowed), name


def test_the_image_carries_every_module_of_the_model_the_container_side_imports() -> None:
    """The image holds the container side and only the model modules it names: a module of the
    model the container starts to import must be added there, or the image fails at its start."""
    root = Path(__file__).resolve().parents[3]
    imported = set()
    for path in (root / "emulator" / "container").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("emulator.model"):
                names = (
                    [node.module]
                    if node.module != "emulator.model"
                    else [f"emulator.model.{a.name}" for a in node.names]
                )
                imported.update(names)
    assert imported, "the container side shares names with the host through the model"
    carried = {name.removesuffix(".py").replace("/", ".") for name in CONTAINER_MODEL_FILES}
    assert imported <= carried, imported - carried


def test_the_projects_tools_are_in_no_image_and_not_in_the_wheel() -> None:
    """The benchmark and the offline image builder are tools of this repository, not product."""
    root = Path(__file__).resolve().parents[3]
    shipped = {*control_plane_files(root), *(p.relative_to(root).as_posix() for p in build_inputs(root, "3.3.1"))}
    assert not [name for name in shipped if name.startswith(("tools/", "scripts/offline")) or "bench" in name]
    wheel = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["packages"] == ["emulator"]
    assert not [target for target in wheel["force-include"] if target.startswith(("tools", "scripts/offline"))]
    assert (root / "tools" / "bench.py").is_file(), "the benchmark moved to tools/"


def test_a_configuration_build_failure_names_the_steps_own_errors() -> None:
    log = "\n".join(
        [
            "#8 0.715 requirements_install: WARNING: no --constraint line",
            "#8 5.299 requirements_install: ERROR: No matching distribution found for nope==1.0",
            "#8 5.400 ERROR: installing requirements.txt (s3://b/requirements.txt version v) failed (pip exit 1)",
            '#8 ERROR: process "/bin/sh -c configure" did not complete successfully: exit code: 1',
        ]
    )
    assert step_errors(log) == [
        "requirements_install: ERROR: No matching distribution found for nope==1.0",
        "ERROR: installing requirements.txt (s3://b/requirements.txt version v) failed (pip exit 1)",
    ]
