"""Builds stand-ins for the third-party images on a machine that can reach no registry.

Standard library only: it runs before mwaa-local's own dependencies are installed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from emulator.docker import images
from emulator.model import versions
from emulator.state.settings import IMAGE_MIRROR

REPO = Path(__file__).resolve().parent.parent
RECIPES = REPO / "scripts" / "offline"
PREFIX = images.OFFLINE_MIRROR
DEBIAN = f"{PREFIX}debian:bookworm"
NO_EXTRA_CA = REPO / "compose" / "no-extra-ca.pem"
RECIPE_LABEL = "org.mwaa-local.recipe-hash"
# What each stand-in is built from, besides its build arguments.
RECIPES_OF = {
    "python.Dockerfile": ("python.Dockerfile",),
    "postgres.Dockerfile": ("postgres.Dockerfile", "postgres-entrypoint.sh"),
    "redis.Dockerfile": ("redis.Dockerfile",),
    "minio.Dockerfile": ("minio.Dockerfile", "s3_standin.py", "s3_access.py", "mc"),
}
# The S3 stand-in evaluates users' policies with mwaa-local's own module: copied into its image.
STANDIN_MODEL_FILES = ("emulator/model/errors.py", "emulator/model/policy.py")


def image_exists(name: str) -> bool:
    found = subprocess.run(["docker", "image", "inspect", name], capture_output=True)
    return found.returncode == 0


def recipe_hash(recipe: str, args: dict[str, str]) -> str:
    digest = hashlib.sha256(json.dumps(args, sort_keys=True).encode())
    for name in RECIPES_OF[recipe]:
        digest.update((RECIPES / name).read_bytes())
    if recipe == "minio.Dockerfile":
        for model_file in STANDIN_MODEL_FILES:
            digest.update((REPO / model_file).read_bytes())
    return digest.hexdigest()[:16]


def stage_standin(context: Path) -> None:
    """The S3 stand-in's build context: its recipe files and the model modules it imports."""
    for name in RECIPES_OF["minio.Dockerfile"]:
        shutil.copy2(RECIPES / name, context / name)
    for model_file in STANDIN_MODEL_FILES:
        target = context / model_file
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / model_file, target)
    for package in ("emulator", "emulator/model"):
        (context / package / "__init__.py").touch()


def current(tag: str, digest: str) -> bool:
    """Whether `tag` exists and was built from the recipe with this digest."""
    found = subprocess.run(
        ["docker", "image", "inspect", "--format", f'{{{{index .Config.Labels "{RECIPE_LABEL}"}}}}', tag],
        capture_output=True,
        text=True,
    )
    return found.returncode == 0 and found.stdout.strip() == digest


def ensure_debian_base() -> None:
    if image_exists(DEBIAN):
        return
    if shutil.which("debootstrap") is None:
        raise SystemExit("debootstrap is missing: apt-get install -y debootstrap (as root)")
    with tempfile.TemporaryDirectory(prefix="mwaa-local-rootfs-") as rootfs:
        print(f"offline images: debootstrap bookworm → {DEBIAN}", flush=True)
        subprocess.run(
            ["debootstrap", "--variant=minbase", "bookworm", rootfs],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(["docker", "import", "-", DEBIAN], stdin=tar.stdout, check=True)
        if tar.wait() != 0:
            raise SystemExit("packing the debootstrap tree failed")


def find_cpython(minor: str, explicit: dict[str, Path]) -> Path:
    """An installed CPython prefix of this minor version (a pyenv build by default)."""
    if minor in explicit:
        return explicit[minor]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = sorted(
        (path for path in pyenv_root.glob(f"{minor}.*") if (path / "bin" / f"python{minor}").exists()),
        key=lambda path: tuple(int(part) for part in path.name.split(".") if part.isdigit()),
    )
    if not candidates:
        raise SystemExit(f"no CPython {minor} build found under {pyenv_root}; pass --python {minor}=/path/to/prefix")
    return candidates[-1]


def stage_cpython(prefix: Path, minor: str, context: Path) -> None:
    """Copy the interpreter, its shared library, headers and standard library (no tests, no
    site-packages: whatever the host installed there is not part of a clean Python)."""
    target = context / "cpython"
    (target / "bin").mkdir(parents=True)
    for name in (f"python{minor}", f"python{minor}-config"):
        if (prefix / "bin" / name).exists():
            shutil.copy2(prefix / "bin" / name, target / "bin" / name)
    (target / "bin" / "python3").symlink_to(f"python{minor}")
    shutil.copytree(prefix / "include", target / "include", symlinks=True)
    ignore_stdlib = shutil.ignore_patterns("test", "site-packages", "__pycache__", "idle_test")
    (target / "lib").mkdir()
    for entry in (prefix / "lib").iterdir():
        destination = target / "lib" / entry.name
        if entry.is_dir() and entry.name == f"python{minor}":
            shutil.copytree(entry, destination, symlinks=True, ignore=ignore_stdlib)
            (destination / "site-packages").mkdir()
        elif entry.is_dir():
            shutil.copytree(entry, destination, symlinks=True)
        else:
            shutil.copy2(entry, destination, follow_symlinks=False)


def compose_build(services: dict[str, dict[str, object]], ca_bundle: Path) -> None:
    """Build with `docker compose build`: BuildKit without buildx, with the CA as a secret."""
    spec = {"services": services, "secrets": {"ca_bundle": {"file": str(ca_bundle)}}}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(spec, handle)
    try:
        subprocess.run(
            ["docker", "compose", "-p", "mwaa-local-offline", "-f", handle.name, "build"],
            check=True,
        )
    finally:
        os.unlink(handle.name)


def build_spec(tag: str, recipe: str, context: Path, args: dict[str, str]) -> dict[str, object]:
    return {
        "image": tag,
        "build": {
            "context": str(context),
            "dockerfile": str(RECIPES / recipe),
            "args": args,
            "labels": {RECIPE_LABEL: recipe_hash(recipe, args)},
            "secrets": ["ca_bundle"],
        },
    }


def stale(spec: dict[str, object], rebuild: bool) -> bool:
    build = spec["build"]
    assert isinstance(build, dict)
    return rebuild or not current(str(spec["image"]), build["labels"][RECIPE_LABEL])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="offline-images", description=__doc__)
    parser.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="MINOR=PREFIX",
        help="a CPython install prefix to use for one minor version, e.g. 3.12=/opt/python3.12",
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild images that exist already")
    options = parser.parse_args(argv)
    if not RECIPES.is_dir():
        raise SystemExit(f"offline-images runs from a checkout of mwaa-local: {RECIPES} is missing")
    explicit = {}
    for item in options.python:
        minor, _, path = item.partition("=")
        explicit[minor] = Path(path)
    ca_bundle = Path(os.environ.get("MWAA_LOCAL_CA_BUNDLE") or NO_EXTRA_CA)

    ensure_debian_base()
    with tempfile.TemporaryDirectory(prefix="mwaa-local-offline-") as scratch:
        python_builds = {}
        for minor in sorted(versions.python_minors()):
            tag = PREFIX + images.python_base(minor)
            source = find_cpython(minor, explicit)
            context = Path(scratch) / f"python{minor}"
            args = {"DEBIAN_IMAGE": DEBIAN, "CPYTHON": str(source)}
            spec = build_spec(tag, "python.Dockerfile", context, args)
            if not stale(spec, options.rebuild):
                continue
            print(f"offline images: CPython {source.name} → {tag}", flush=True)
            stage_cpython(source, minor, context)
            python_builds[f"python{minor.replace('.', '')}"] = spec
        if python_builds:
            compose_build(python_builds, ca_bundle)

        standin_context = Path(scratch) / "minio"
        standin_context.mkdir()
        stage_standin(standin_context)
        services = {
            "postgres": build_spec(PREFIX + images.POSTGRES, "postgres.Dockerfile", RECIPES, {"DEBIAN_IMAGE": DEBIAN}),
            "redis": build_spec(PREFIX + images.REDIS, "redis.Dockerfile", RECIPES, {"DEBIAN_IMAGE": DEBIAN}),
            "minio": build_spec(
                PREFIX + images.MINIO,
                "minio.Dockerfile",
                standin_context,
                {"PYTHON_IMAGE": PREFIX + images.python_base("3.12")},
            ),
        }
        services = {name: spec for name, spec in services.items() if stale(spec, options.rebuild)}
        if services:
            compose_build(services, ca_bundle)
    print(f"offline images ready; use them with {IMAGE_MIRROR.variable}={PREFIX}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
