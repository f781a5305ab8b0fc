from emulator.model.sync_plan import LocalFile, RemoteObject, is_ignored_local, plan_sync, relative_path

MD5_A = "0cc175b9c0f1b6a831c399e269772661"  # md5("a")
MD5_B = "92eb5ffee6ae2fec3ad71c777531578f"  # md5("b")


def remote(path: str, etag: str = MD5_A, size: int = 1) -> RemoteObject:
    return RemoteObject(path, etag, size, "v1")


def local(path: str, md5: str = MD5_A, size: int = 1) -> LocalFile:
    return LocalFile(path, md5, size)


def test_new_objects_are_downloaded_including_nested_folders_and_any_file_type() -> None:
    listing = {p: remote(p) for p in ("a.py", "sub/deeper/b.py", "sql/query.sql", ".airflowignore", "conf.yaml")}
    plan = plan_sync(listing, {})
    assert [obj.path for obj in plan.downloads] == sorted(listing)
    assert plan.deletions == []


def test_unchanged_files_are_left_alone() -> None:
    plan = plan_sync({"a.py": remote("a.py")}, {"a.py": local("a.py")})
    assert plan.empty


def test_changed_content_is_downloaded_again() -> None:
    plan = plan_sync({"a.py": remote("a.py", MD5_B)}, {"a.py": local("a.py", MD5_A)})
    assert [obj.path for obj in plan.downloads] == ["a.py"]


def test_etag_quotes_and_case_do_not_matter() -> None:
    plan = plan_sync({"a.py": remote("a.py", f'"{MD5_A.upper()}"')}, {"a.py": local("a.py")})
    assert plan.empty


def test_files_deleted_from_the_bucket_are_deleted_locally() -> None:
    plan = plan_sync({"keep.py": remote("keep.py")}, {"keep.py": local("keep.py"), "sub/gone.py": local("sub/gone.py")})
    assert plan.deletions == ["sub/gone.py"]
    assert plan.downloads == []


def test_python_caches_and_temporary_files_are_never_deleted() -> None:
    files = {
        p: local(p) for p in ("__pycache__/a.cpython-312.pyc", "sub/__pycache__/x.pyc", "x.pyc", ".a.py.mwaa-sync-1a2b")
    }
    assert plan_sync({}, files).deletions == []
    assert all(is_ignored_local(path) for path in files)


def test_multipart_etags_are_compared_with_what_was_last_downloaded() -> None:
    multipart = remote("big.zip", "d41d8cd98f00b204e9800998ecf8427e-3", size=10)
    on_disk = local("big.zip", MD5_A, size=10)
    assert plan_sync({"big.zip": multipart}, {"big.zip": on_disk}).downloads == [multipart]
    known = {"big.zip": "d41d8cd98f00b204e9800998ecf8427e-3"}
    assert plan_sync({"big.zip": multipart}, {"big.zip": on_disk}, known).empty


def test_relative_paths_under_the_dag_prefix() -> None:
    assert relative_path("dags/a.py", "dags") == "a.py"
    assert relative_path("dags/sub/b.py", "dags/") == "sub/b.py"
    assert relative_path("team/dags/a.py", "team/dags") == "a.py"


def test_keys_that_are_not_files_in_the_folder_are_skipped() -> None:
    assert relative_path("dags/", "dags") is None  # folder marker
    assert relative_path("dags/sub/", "dags") is None
    assert relative_path("plugins.zip", "dags") is None  # outside the prefix
    assert relative_path("dagsx/a.py", "dags") is None
    assert relative_path("dags/../etc/passwd", "dags") is None  # escapes the folder
    assert relative_path("dags//a.py", "dags") is None


def test_only_canonical_keys_name_files() -> None:
    for key in ("dags/./x.py", "dags/a//b.py", "dags/a/./b.py", "dags/a/../b.py", "dags//x.py"):
        assert relative_path(key, "dags") is None, key
    assert relative_path("dags/a/b.py", "dags") == "a/b.py"
