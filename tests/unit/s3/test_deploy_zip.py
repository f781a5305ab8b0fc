import io
import zipfile
from pathlib import Path

from emulator.s3.deploy import zip_folder


def test_plugins_zip_has_the_folder_at_its_top_level_and_is_byte_stable(tmp_path: Path) -> None:
    (tmp_path / "operators").mkdir()
    (tmp_path / "operators" / "my_operator.py").write_text("X = 1\n")
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.cpython-312.pyc").write_bytes(b"cache")
    first = zip_folder(tmp_path)
    assert zip_folder(tmp_path) == first, "an unchanged folder zips to the same bytes (no new version)"
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.namelist() == ["__init__.py", "operators/my_operator.py"]
    (tmp_path / "operators" / "my_operator.py").write_text("X = 2\n")
    assert zip_folder(tmp_path) != first
