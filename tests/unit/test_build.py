from pathlib import Path

from emulator.stack.build import build_hash, failing_step

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


def test_build_hash_follows_inputs_and_arguments(tmp_path: Path) -> None:
    (tmp_path / "emulator").mkdir()
    (tmp_path / "scripts" / "docker").mkdir(parents=True)
    (tmp_path / "Dockerfile").write_text("FROM x")
    (tmp_path / ".dockerignore").write_text("*")
    (tmp_path / "emulator" / "a.py").write_text("1")
    first = build_hash(tmp_path, "3.3.1")
    assert build_hash(tmp_path, "3.3.1") == first
    assert build_hash(tmp_path, "2.10.3") != first
    (tmp_path / "emulator" / "a.py").write_text("2")
    assert build_hash(tmp_path, "3.3.1") != first
