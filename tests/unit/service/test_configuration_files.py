"""plugins.zip checks and extraction, and which object version an update keeps."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from emulator.container.runtime import configuration
from emulator.model import configuration_files
from emulator.model.record import build_record
from emulator.model.update import apply_update
from emulator.service.provider import staged_configuration as control_configuration
from emulator.state.settings import project_paths


def make_zip(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def test_the_zip_top_level_becomes_the_plugins_folder(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "plugins.zip", {"my_operator.py": "x = 1\n", "hooks/my_hook.py": "y = 2\n"})
    target = tmp_path / "plugins"
    target.mkdir()
    assert configuration.extract_plugins(archive, "plugins.zip", target) == 2
    assert (target / "my_operator.py").read_text() == "x = 1\n"
    assert (target / "hooks" / "my_hook.py").is_file()


def test_a_corrupt_zip_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "bad.zip").write_bytes(b"this is not a zip file")
    with pytest.raises(configuration_files.ConfigurationError, match=r"^plugins.zip \(v1\) is not a valid zip file"):
        configuration_files.check_zip(tmp_path / "bad.zip", "plugins.zip (v1)")
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("a.py", "print('a')\n" * 20)
    damaged = bytearray(data.getvalue())
    damaged[40] ^= 0xFF  # inside a.py's bytes: its CRC no longer matches
    (tmp_path / "damaged.zip").write_bytes(bytes(damaged))
    with pytest.raises(configuration_files.ConfigurationError, match="corrupt"):
        configuration_files.check_zip(tmp_path / "damaged.zip", "plugins.zip")


def test_a_zip_reaching_outside_the_plugins_folder_is_refused(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "evil.zip", {"../outside.py": "x"})
    with pytest.raises(configuration_files.ConfigurationError, match="outside the plugins folder"):
        configuration_files.check_zip(archive, "plugins.zip")


RECORD = build_record({"Name": "e", "RequirementsS3Path": "requirements.txt", "RequirementsS3ObjectVersion": "v1"})


def test_an_update_without_files_keeps_their_versions() -> None:
    updated = apply_update(RECORD, {"Name": "e", "MaxWorkers": 3})
    assert updated.fields["RequirementsS3ObjectVersion"] == "v1"
    same_path = apply_update(RECORD, {"Name": "e", "RequirementsS3Path": "requirements.txt"})
    assert same_path.fields["RequirementsS3ObjectVersion"] == "v1"


def test_a_new_path_without_a_version_drops_the_old_path_version() -> None:
    updated = apply_update(RECORD, {"Name": "e", "RequirementsS3Path": "other/requirements.txt"})
    assert "RequirementsS3ObjectVersion" not in updated.fields, "the control plane fixes the new object's version"
    named = apply_update(
        RECORD, {"Name": "e", "RequirementsS3Path": "other/requirements.txt", "RequirementsS3ObjectVersion": "v9"}
    )
    assert named.fields["RequirementsS3ObjectVersion"] == "v9"


class FakeBucket:
    """Objects by (bucket, key, version), read as minio's client reads them."""

    def __init__(self, objects: dict[tuple[str, str, str], bytes]) -> None:
        self.objects = objects

    def fget_object(self, bucket: str, key: str, path: str, version_id: str | None = None) -> None:
        Path(path).write_bytes(self.objects[(bucket, key, version_id or "")])


def test_environments_with_the_same_files_share_the_image_but_never_a_build_context(tmp_path: Path) -> None:
    files = {"requirements.txt": b"pyjokes==0.6.0\n", "startup.sh": b"export A=1\n"}
    objects = {(bucket, key, "v1"): data for bucket in ("bucket-a", "bucket-b") for key, data in files.items()}
    staged = []
    for name in ("a", "b"):
        record = build_record(
            {
                "Name": name,
                "SourceBucketArn": f"arn:aws:s3:::bucket-{name}",
                "RequirementsS3Path": "requirements.txt",
                "RequirementsS3ObjectVersion": "v1",
                "StartupScriptS3Path": "startup.sh",
                "StartupScriptS3ObjectVersion": "v1",
            }
        )
        folder = tmp_path / "environments" / name / control_configuration.CONTEXT_FOLDER
        staged.append(control_configuration.stage(record, FakeBucket(objects), project_paths(), folder))  # type: ignore[arg-type]
    first, second = staged
    assert first is not None and second is not None
    assert first.digest == second.digest, "the same bytes make the same configured image"
    assert first.context != second.context
    assert "bucket-a" in (first.context / "files" / "configuration.json").read_text()
    assert "bucket-b" in (second.context / "files" / "configuration.json").read_text()
    assert (first.context / "files" / "requirements.txt").read_bytes() == files["requirements.txt"]
