"""The S3 service's interface, as compose/region.yaml uses MinIO, and the offline stand-in
(scripts/offline/s3_standin.py and mc) honouring exactly that interface.

The stand-in runs here as a local process on a free 127.0.0.1 port, started with the compose
file's own command line and environment variable names, so what CI runs in place of MinIO is
held to what users run.
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from boto3.s3.transfer import TransferConfig
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from minio.error import S3Error

from emulator.docker import images
from emulator.docker.ports import free_port
from emulator.model.errors import MwaaLocalError
from emulator.model.execution_role import combined, default_policy
from emulator.s3.bucket import ensure_bucket
from emulator.s3.client import make_admin, make_client
from emulator.s3.role_users import RoleUsers

REPO = Path(__file__).resolve().parents[3]
REGION_COMPOSE = REPO / "compose" / "region.yaml"
OFFLINE = REPO / "scripts" / "offline"
STANDIN = OFFLINE / "s3_standin.py"
MC = OFFLINE / "mc"
ACCESS_KEY = "mwaa-local-unit"
SECRET_KEY = "unit-secret-0123456789abcdefghijklmnopqrstuv"
REGION = "us-east-1"
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your key and signing method."
)
# urllib (and mc) would route 127.0.0.1 through a proxy from the environment; never here.
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))
PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")


def s3_service() -> dict[str, Any]:
    services: dict[str, Any] = yaml.safe_load(REGION_COMPOSE.read_text())["services"]
    return dict(services["s3"])


def published(service: dict[str, Any]) -> dict[str, str]:
    """Container port → host address it is published on, from `host:host-port:container-port`."""
    ports: dict[str, str] = {}
    for entry in service["ports"]:
        host, _, container = entry.rpartition(":")
        ports[container] = host.partition(":")[0]
    return ports


def data_directory(service: dict[str, Any]) -> str:
    (volume,) = service["volumes"]
    return str(volume.partition(":")[2])


def test_the_region_runs_minio_with_its_documented_interface() -> None:
    service = s3_service()
    assert service["image"].startswith("${MWAA_LOCAL_MINIO_IMAGE")
    assert re.fullmatch(r"minio/minio:RELEASE\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ", images.MINIO)
    assert service["command"] == ["server", "/data", "--console-address", ":9001"]
    environment = service["environment"]
    assert set(environment) == {"MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"}
    assert environment["MINIO_ROOT_USER"].startswith("${MWAA_LOCAL_S3_ACCESS_KEY")
    assert environment["MINIO_ROOT_PASSWORD"].startswith("${MWAA_LOCAL_S3_SECRET_KEY")
    assert service["healthcheck"]["test"] == ["CMD", "mc", "ready", "local"]
    assert published(service) == {"9000": "127.0.0.1", "9001": "127.0.0.1"}  # API and console, local only
    assert data_directory(service) == "/data" == service["command"][1]


def test_the_stand_in_image_puts_the_stand_in_behind_that_interface() -> None:
    recipe = (OFFLINE / "minio.Dockerfile").read_text()
    assert 'ENTRYPOINT ["python3", "/opt/s3-standin/s3_standin.py"]' in recipe  # compose's command follows
    assert "COPY mc /usr/local/bin/mc" in recipe  # the healthcheck's `mc`, on PATH
    assert os.access(MC, os.X_OK)


@dataclass
class StandIn:
    """The stand-in as a process, started as compose starts MinIO (data directory and port aside)."""

    data: Path
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        service = s3_service()
        arguments = [str(self.data) if item == data_directory(service) else item for item in service["command"]]
        credentials = dict(zip(service["environment"], (ACCESS_KEY, SECRET_KEY), strict=True))
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(STANDIN), *arguments, "--address", f"127.0.0.1:{self.port}"],
                env={**os.environ, **credentials},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 20
        while not self.ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"the stand-in did not become ready:\n{self.log.read_text()}")
            time.sleep(0.05)

    def ready(self) -> bool:
        try:
            return status(f"{self.endpoint}/minio/health/ready") == 200
        except OSError:
            return False

    def stop(self) -> int | None:
        """SIGTERM, as `docker stop` sends; its exit code (None if it was not running)."""
        if self.process is None:
            return None
        process, self.process = self.process, None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                return process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
                raise AssertionError("the stand-in ignored SIGTERM") from None
        return process.returncode


def status(url: str, method: str = "GET", data: bytes | None = None) -> int:
    # A body goes as bytes: urllib's default form Content-Type would have moto parse it as a form.
    headers = {"Content-Type": "application/octet-stream"} if data is not None else {}
    request = urllib.request.Request(url, method=method, data=data, headers=headers)
    try:
        with HTTP.open(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.close()
        return int(error.code)


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandIn]:
    folder = tmp_path_factory.mktemp("minio")
    with pytest.MonkeyPatch.context() as patch:
        for variable in PROXY_VARIABLES:
            patch.delenv(variable, raising=False)
        patch.setenv("AWS_CONFIG_FILE", str(folder / "no-aws-config"))  # no user profile changes boto3
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(folder / "no-aws-credentials"))
        server = StandIn(folder / "data", folder / "stand-in.log")
        try:
            server.start()
            yield server
        finally:
            server.stop()


def s3_client(standin: StandIn, access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY, **options: Any) -> Any:
    config = Config(
        s3={"addressing_style": "path"}, connect_timeout=2, read_timeout=10, retries={"total_max_attempts": 1}
    )
    return boto3.client(
        "s3",
        endpoint_url=standin.endpoint,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name=REGION,
        config=config.merge(Config(**options)),
    )


def error_of(caught: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    response = caught.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def test_health_endpoints_answer_anonymously(standin: StandIn) -> None:
    assert status(f"{standin.endpoint}/minio/health/live") == 200
    assert status(f"{standin.endpoint}/minio/health/ready") == 200
    assert status(f"{standin.endpoint}/") == 403  # everything else is not


def test_mc_ready_reports_the_server_of_the_alias(standin: StandIn, tmp_path: Path) -> None:
    def mc(*arguments: str, server: str | None) -> subprocess.CompletedProcess[str]:
        environment = {key: value for key, value in os.environ.items() if not key.startswith("MC_HOST_")}
        if server:
            environment["MC_HOST_local"] = server
        return subprocess.run([str(MC), *arguments], env=environment, capture_output=True, text=True, timeout=10)

    answer = mc("ready", "local", server=f"http://{ACCESS_KEY}:{SECRET_KEY}@127.0.0.1:{standin.port}")
    assert answer.returncode == 0, answer.stderr
    assert mc("ready", "local", server=standin.endpoint).returncode == 0
    stopped = mc("ready", "local", server=f"http://127.0.0.1:{free_port()}")
    assert stopped.returncode != 0 and "not ready" in stopped.stderr
    assert mc("ready", "elsewhere", server=None).returncode != 0
    assert mc("admin", "info", "local", server=standin.endpoint).returncode != 0


def test_the_root_user_keeps_a_versioned_bucket(standin: StandIn) -> None:
    s3 = s3_client(standin)
    s3.create_bucket(Bucket="versioned")
    s3.put_bucket_versioning(Bucket="versioned", VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket="versioned")["Status"] == "Enabled"
    first = s3.put_object(Bucket="versioned", Key="dags/a b+(1).py", Body=b"first")["VersionId"]
    second = s3.put_object(Bucket="versioned", Key="dags/a b+(1).py", Body=b"second")["VersionId"]
    assert first != second
    versions = s3.list_object_versions(Bucket="versioned", Prefix="dags/")["Versions"]
    assert {version["VersionId"] for version in versions} == {first, second}
    old = s3.get_object(Bucket="versioned", Key="dags/a b+(1).py", VersionId=first)
    assert old["Body"].read() == b"first"
    assert [item["Key"] for item in s3.list_objects_v2(Bucket="versioned")["Contents"]] == ["dags/a b+(1).py"]
    assert s3.delete_object(Bucket="versioned", Key="dags/a b+(1).py")["DeleteMarker"] is True
    assert s3.list_objects_v2(Bucket="versioned").get("Contents") is None


def test_multipart_copy_and_batch_delete_verify(standin: StandIn) -> None:
    s3 = s3_client(standin)
    s3.create_bucket(Bucket="bulk")
    data = os.urandom(5 * 1024 * 1024 + 1)  # two parts: moto wants 5 MiB for all but the last
    transfer = TransferConfig(
        multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024, use_threads=False
    )
    s3.upload_fileobj(io.BytesIO(data), "bulk", "plugins.zip", Config=transfer)
    assert s3.head_object(Bucket="bulk", Key="plugins.zip")["ETag"].endswith('-2"')  # a multipart upload
    assert s3.get_object(Bucket="bulk", Key="plugins.zip")["Body"].read() == data
    s3.copy_object(Bucket="bulk", Key="copy.zip", CopySource={"Bucket": "bulk", "Key": "plugins.zip"})
    assert s3.head_object(Bucket="bulk", Key="copy.zip")["ContentLength"] == len(data)
    deleted = s3.delete_objects(Bucket="bulk", Delete={"Objects": [{"Key": "plugins.zip"}, {"Key": "copy.zip"}]})
    assert sorted(item["Key"] for item in deleted["Deleted"]) == ["copy.zip", "plugins.zip"]
    assert s3.list_objects_v2(Bucket="bulk").get("Contents") is None


def test_a_wrong_secret_is_refused_as_minio_refuses_it(standin: StandIn) -> None:
    s3_client(standin).create_bucket(Bucket="guarded")
    impostor = s3_client(standin, secret_key="not-the-secret")
    with pytest.raises(ClientError) as caught:
        impostor.list_objects_v2(Bucket="guarded")
    assert error_of(caught) == (403, "SignatureDoesNotMatch", SIGNATURE_MISMATCH)
    with pytest.raises(ClientError) as caught:
        impostor.put_object(Bucket="guarded", Key="dags/evil.py", Body=b"x")
    assert error_of(caught)[:2] == (403, "SignatureDoesNotMatch")
    assert s3_client(standin).list_objects_v2(Bucket="guarded").get("Contents") is None


def test_an_unknown_access_key_is_refused(standin: StandIn) -> None:
    with pytest.raises(ClientError) as caught:
        s3_client(standin, access_key="not-a-key-of-ours").list_buckets()
    assert error_of(caught) == (
        403,
        "InvalidAccessKeyId",
        "The Access Key Id you provided does not exist in our records.",
    )


def test_an_anonymous_request_is_refused(standin: StandIn) -> None:
    s3_client(standin).create_bucket(Bucket="private")
    with pytest.raises(ClientError) as caught:
        s3_client(standin, signature_version=UNSIGNED).list_objects_v2(Bucket="private")
    assert error_of(caught)[:2] == (403, "AccessDenied")


def test_presigned_urls_are_verified(standin: StandIn) -> None:
    s3 = s3_client(standin, signature_version="s3v4")  # as `aws s3 presign`; boto3's default is SigV2
    s3.create_bucket(Bucket="shared")
    s3.put_object(Bucket="shared", Key="dags/report.txt", Body=b"shared content")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "shared", "Key": "dags/report.txt"}, ExpiresIn=60)
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in url and "X-Amz-Signature=" in url
    with HTTP.open(url, timeout=5) as response:
        assert response.read() == b"shared content"

    signature = re.search(r"X-Amz-Signature=([0-9a-f]+)", url)
    assert signature is not None
    value = signature.group(1)
    tampered = url.replace(value, value[:-1] + ("0" if value[-1] != "0" else "1"))
    with pytest.raises(urllib.error.HTTPError) as caught:
        HTTP.open(tampered, timeout=5)
    assert caught.value.code == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in caught.value.read()
    caught.value.close()

    upload = s3.generate_presigned_url("put_object", Params={"Bucket": "shared", "Key": "dags/up.txt"}, ExpiresIn=60)
    assert status(upload, method="PUT", data=b"uploaded") == 200
    assert s3.get_object(Bucket="shared", Key="dags/up.txt")["Body"].read() == b"uploaded"
    other_key = upload.replace("dags/up.txt", "dags/other.txt")
    assert status(other_key, method="PUT", data=b"x") == 403


def test_buckets_and_versions_survive_a_restart(standin: StandIn) -> None:
    s3 = s3_client(standin)
    s3.create_bucket(Bucket="kept")
    s3.put_bucket_versioning(Bucket="kept", VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket="kept", Key="dags/kept.py", Body=b"one")["VersionId"]
    second = s3.put_object(Bucket="kept", Key="dags/kept.py", Body=b"two")["VersionId"]

    assert standin.stop() == 0
    standin.start()

    assert s3.get_bucket_versioning(Bucket="kept")["Status"] == "Enabled"
    versions = s3.list_object_versions(Bucket="kept", Prefix="dags/kept.py")["Versions"]
    assert {version["VersionId"] for version in versions} == {first, second}
    assert s3.get_object(Bucket="kept", Key="dags/kept.py")["Body"].read() == b"two"
    assert s3.get_object(Bucket="kept", Key="dags/kept.py", VersionId=first)["Body"].read() == b"one"


def test_the_project_s3_client_works_against_it(standin: StandIn) -> None:
    client = make_client(standin.endpoint, ACCESS_KEY, SECRET_KEY, REGION)
    assert ensure_bucket(client, "sdk") is True
    assert ensure_bucket(client, "sdk") is False  # present and versioned already
    written = client.put_object("sdk", "dags/sdk.py", io.BytesIO(b"print(1)\n"), 9)
    stat = client.stat_object("sdk", "dags/sdk.py")
    assert stat.size == 9 and stat.version_id == written.version_id is not None
    listed = client.list_objects("sdk", prefix="dags/", recursive=True, include_version=True)
    assert [(item.object_name, item.version_id) for item in listed] == [("dags/sdk.py", written.version_id)]

    impostor = make_client(standin.endpoint, ACCESS_KEY, "not-the-secret", REGION)
    with pytest.raises(S3Error) as caught:
        list(impostor.list_objects("sdk"))
    assert caught.value.code == "SignatureDoesNotMatch"


def test_an_execution_role_user_may_do_what_its_policy_allows_and_no_more(standin: StandIn) -> None:
    """The emulator's own admin calls (emulator/s3/role_users.py) against the stand-in: the user
    it makes reads its bucket, is refused the rest with S3's AccessDenied, gains a grant, keeps
    it across a restart and is gone after removal."""
    root = s3_client(standin)
    for bucket in ("role-own", "role-other"):
        root.create_bucket(Bucket=bucket)
        root.put_object(Bucket=bucket, Key="dags/a.py", Body=b"a")
    users = RoleUsers(make_admin(standin.endpoint, ACCESS_KEY, SECRET_KEY, REGION), standin.endpoint)
    role_key, role_secret = "ASIAUNITROLE00000001", "role-secret-0123456789"
    users.apply("unit", role_key, role_secret, default_policy("unit", "role-own"))
    role = s3_client(standin, role_key, role_secret)

    assert role.get_object(Bucket="role-own", Key="dags/a.py")["Body"].read() == b"a"
    assert [item["Key"] for item in role.list_object_versions(Bucket="role-own")["Versions"]] == ["dags/a.py"]
    refusals = [
        lambda: role.put_object(Bucket="role-own", Key="out.txt", Body=b"x"),
        lambda: role.delete_object(Bucket="role-own", Key="dags/a.py"),
        lambda: role.get_object(Bucket="role-other", Key="dags/a.py"),
        lambda: role.list_buckets(),
        lambda: role.copy_object(Bucket="role-own", Key="copy.py", CopySource="role-other/dags/a.py"),
    ]
    for refused in refusals:
        with pytest.raises(ClientError) as caught:
            refused()
        assert error_of(caught) == (403, "AccessDenied", "Access Denied.")

    grant = {"Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::role-own/out/*"}]}
    users.apply("unit", role_key, role_secret, combined(default_policy("unit", "role-own"), grant))
    assert standin.stop() == 0
    standin.start()
    role.put_object(Bucket="role-own", Key="out/x.txt", Body=b"x")
    assert root.get_object(Bucket="role-own", Key="out/x.txt")["Body"].read() == b"x"
    with pytest.raises(ClientError) as caught:
        role.put_object(Bucket="role-own", Key="elsewhere.txt", Body=b"x")
    assert error_of(caught)[1] == "AccessDenied"

    users.remove("unit", role_key)
    users.remove("unit", role_key)  # gone already is fine
    with pytest.raises(ClientError) as caught:
        role.get_object(Bucket="role-own", Key="dags/a.py")
    assert error_of(caught)[1] == "InvalidAccessKeyId"


def test_only_the_root_user_may_use_the_admin_api(standin: StandIn) -> None:
    users = RoleUsers(make_admin(standin.endpoint, ACCESS_KEY, SECRET_KEY, REGION), standin.endpoint)
    users.apply("admin-probe", "ASIAUNITROLE00000002", "role-secret-0123456789", default_policy("p", "role-own"))
    as_role = RoleUsers(
        make_admin(standin.endpoint, "ASIAUNITROLE00000002", "role-secret-0123456789", REGION), standin.endpoint
    )
    with pytest.raises(MwaaLocalError, match="AccessDenied"):
        as_role.apply("admin-probe", "ASIAUNITROLE00000002", "role-secret-0123456789", {"Statement": []})
    users.remove("admin-probe", "ASIAUNITROLE00000002")
