"""The `mwaa-local` command line."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.markup import escape
from rich.table import Table

from emulator.cli import dag_test, lifecycle, serverless_runs, ui, uploads
from emulator.cli import watch as watcher
from emulator.cli.exports import export_line
from emulator.docker import render
from emulator.docker.engine import require_docker
from emulator.docker.workspace_container import parse_dags, run_tool
from emulator.model.airflow_config import parse_environment
from emulator.model.aws_access import parse_endpoints
from emulator.model.container_contract import REQUIREMENTS_STREAM, STARTUP_SCRIPT_STREAM
from emulator.model.errors import EnvironmentConfigError, MwaaLocalError
from emulator.model.mirror import create_input_from
from emulator.model.record import EnvironmentRecord, build_record, check_name
from emulator.model.timings import MWAA as MWAA_TIMINGS
from emulator.model.timings import PROFILES
from emulator.service.control_plane_client import ControlPlaneClient, failure
from emulator.state.settings import DEBUG

F = TypeVar("F", bound=Callable[..., Any])

name_option = click.option(
    "--name", "-n", envvar="MWAA_LOCAL_ENV", help="Environment name (default: the workspace's, else `local`)."
)


def reports_errors(command: F) -> F:
    """Turn MwaaLocalError into a message, a hint and an exit code; no traceback."""

    @wraps(command)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except MwaaLocalError as error:
            ui.show_error(error)
            sys.exit(error.exit_code)
        except KeyboardInterrupt:
            sys.exit(130)
        except subprocess.CalledProcessError as error:
            ui.show_error(MwaaLocalError(f"`{' '.join(error.cmd)}` failed: {(error.stderr or '').strip()}"))
            sys.exit(1)
        except Exception as error:
            if DEBUG.get():
                raise
            ui.show_error(
                MwaaLocalError(
                    f"Unexpected error: {type(error).__name__}: {error}",
                    hint="This is a bug in mwaa-local. Run again with MWAA_LOCAL_DEBUG=1 for the traceback; "
                    "please report it.",
                )
            )
            sys.exit(1)

    return wrapped  # type: ignore[return-value]


@click.group()
@click.option(
    "--workspace",
    "-w",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=Path.cwd,
    show_default="the current directory",
    help="Folder holding dags/, requirements.txt, plugins/, startup.sh and environment.json.",
)
@click.version_option(package_name="mwaa-local")
@click.pass_context
def main(context: click.Context, workspace: Path) -> None:
    """Amazon MWAA on Docker Compose: a versioned bucket, DAG sync and Airflow on Celery."""
    context.obj = workspace.resolve()


def workspace_of(context: click.Context) -> Path:
    return Path(context.obj)


@main.command()
@name_option
@click.option("--airflow-version", help="Airflow version (default: environment.json's, else MWAA's newest).")
@click.option("--web-port", type=click.IntRange(1, 65535), help="Host port of the Airflow UI (default 8080).")
@click.option(
    "--https-port",
    type=click.IntRange(1, 65535),
    help="Host port of the WebserverUrl: https, /aws_mwaa/cli and the UI (default 8443).",
)
@click.option(
    "--timings",
    type=click.Choice(sorted(PROFILES)),
    help="`mwaa` (MWAA's 30 s sync, 300 s DAG folder scan) or `dev` (0.5 s sync, 1 s scan). Kept per environment.",
)
@click.option(
    "--sync-interval",
    type=click.FloatRange(0.5, 3600),
    help="Seconds between two bucket → dags folder syncs (default: the timings'; MWAA's is 30).",
)
@click.option(
    "--aws-endpoint",
    "aws_endpoints",
    multiple=True,
    metavar="[SERVICE=]URL",
    help="Where tasks' boto3 reaches AWS services other than S3: an emulator you run (moto, LocalStack), "
    "for all services (URL) or one (sqs=URL); repeatable, kept per environment. Default: nowhere.",
)
@click.option("--build", "rebuild", is_flag=True, help="Rebuild the Airflow image even if it is current.")
@click.option("--deploy", is_flag=True, help="Upload the workspace to the bucket before starting.")
@click.option(
    "--timeout", type=click.FloatRange(min=1), default=600, show_default=True, help="Seconds to wait for health."
)
@click.pass_context
@reports_errors
def up(
    context: click.Context,
    name: str | None,
    airflow_version: str | None,
    web_port: int | None,
    https_port: int | None,
    timings: str | None,
    sync_interval: float | None,
    aws_endpoints: tuple[str, ...],
    rebuild: bool,
    deploy: bool,
    timeout: float,
) -> None:
    """Start the region and an environment, wait until every service is healthy."""
    workspace = workspace_of(context)
    endpoints = parse_endpoints(aws_endpoints) if aws_endpoints else None
    record, source = lifecycle.up_record(lifecycle.Context.load(), workspace, name, airflow_version)
    ui.console.print(f"Environment {record.name}: settings from {escape(source)}.", soft_wrap=True)
    options = lifecycle.UpOptions(
        web_port, timings, sync_interval, rebuild, deploy, timeout, endpoints, https_port=https_port
    )
    with ui.SpinnerDisplay() as display:
        report = lifecycle.up(lifecycle.Context.load(), record, options, display, workspace)
    if report.deployed:
        uploads.show_changes(report.deployed)
    uploads.show_live_files(record.name, lifecycle.configuration_members(report.environment))
    show_status_block(report)


def show_status_block(report: lifecycle.UpReport) -> None:
    record, settings = report.record, report.settings
    region = report.region
    timings = PROFILES[settings.timings]
    every = render.sync_interval(settings)
    version, environment_class = record.airflow_version.version, record.fields["EnvironmentClass"]
    login = f"login [bold]admin[/] / [bold]{escape(report.secrets.admin_password)}[/]"
    sync = f"synced every {every:g}s, {timings.name} timings"
    exports = export_line(region)
    lines = [
        f"\n[bold green]Environment {record.name} is AVAILABLE[/] "
        f"(Airflow {version}, {environment_class}, ready in {report.seconds:.0f}s)",
        f"  Airflow UI    {render.web_url(settings)}   {login}",
        f"  WebserverUrl  https://{render.webserver_url(settings)}   (/aws_mwaa/cli; its CA: `mwaa-local env`)",
        f"  DAG folder    s3://{record.bucket}/{record.dag_s3_path}/  ({sync})",
        f"  S3 endpoint   {region.endpoint()}   console http://127.0.0.1:{region.console_port}",
        f"  MWAA API      {region.api_endpoint()}   `mwaa-local get {record.name}` shows its record",
        f"  Console       {region.api_endpoint()}/console   sign in with the access key pair exported below",
        "  For boto3 and the aws CLI:",
        f"    export {escape(exports)}",
        *(
            f"  [yellow]Note:[/] configuration option {option} is ignored, as on MWAA."
            for option in report.ignored_options
        ),
        "  Next: `mwaa-local deploy` uploads the workspace; `mwaa-local logs <service> --follow`; `mwaa-local down`.",
    ]
    for line in lines:
        ui.console.print(line, soft_wrap=True)


@main.command()
@name_option
@click.option("--volumes", is_flag=True, help="Also delete the environment's data (database, DAG copy, logs).")
@click.pass_context
@reports_errors
def down(context: click.Context, name: str | None, volumes: bool) -> None:
    """Stop an environment; its data is kept unless --volumes is given."""
    environment = lifecycle.environment_name(workspace_of(context), name)
    with ui.SpinnerDisplay() as display:
        region_stopped = lifecycle.down(lifecycle.Context.load(), environment, volumes, display)
    kept = "data and saved settings deleted" if volumes else "data kept"
    ui.console.print(f"Environment {environment} stopped ({kept}).")
    if region_stopped:
        ui.console.print("No environment is running any more: the region (S3 service, MWAA API) stopped too.")


@main.command()
@reports_errors
def status() -> None:
    """Show the region and every environment, service by service."""
    cli_context = lifecycle.Context.load()
    region, environments = lifecycle.services(cli_context)
    ui.console.print(ui.containers_table("region (S3 service, MWAA API)", region))
    if not environments:
        ui.console.print("No environments yet: start one with `mwaa-local up`.")
    for name, containers in environments.items():
        record = lifecycle.record_status(cli_context, name)
        if containers:
            ui.console.print(ui.containers_table(f"environment {name} ({record})", containers))
            reading = lifecycle.scaling(cli_context, name)
            if reading is not None:
                ui.console.print(ui.scaling_line(reading, time.time()))
            role = lifecycle.role_policy_file(cli_context, name)
            if role is not None:
                ui.console.print(ui.role_line(*role), soft_wrap=True)
        else:
            ui.console.print(f"environment {name} ({record}): stopped")


def tail_value(_context: click.Context, _parameter: click.Parameter, value: str) -> str:
    if value != "all" and not value.isdigit():
        raise click.BadParameter(f"{value!r} is neither a number of lines nor `all`.")
    return value


@main.command()
@name_option
@click.argument("component", required=False)
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines.")
@click.option(
    "--tail",
    default="200",
    show_default=True,
    callback=tail_value,
    help="Lines to show from the end of each log (or `all`).",
)
@click.pass_context
@reports_errors
def logs(context: click.Context, name: str | None, component: str | None, follow: bool, tail: str) -> None:
    """Show the logs of an environment, or of one of its services (scheduler, worker, sync …), or
    one of MWAA's streams: requirements_install, startup_script_execution."""
    environment = lifecycle.environment_name(workspace_of(context), name)
    require_docker()
    stack = lifecycle.stack_of(lifecycle.Context.load(), environment)
    if component == REQUIREMENTS_STREAM:
        if not stack.requirements_log.is_file():
            raise MwaaLocalError(
                f"Environment {environment} has installed no requirements.txt yet.",
                hint="Name one with RequirementsS3Path (mwaa-local deploy, or UpdateEnvironment).",
            )
        click.echo(stack.requirements_log.read_text(errors="replace"), nl=False)
        return
    if component == STARTUP_SCRIPT_STREAM:
        sys.exit(stack.logs(None, follow, tail, matching=STARTUP_SCRIPT_STREAM))
    if component is not None:
        services = stack.by_name.created_services()
        if component not in services:
            raise MwaaLocalError(
                f"Environment {environment} has no service {component!r}.",
                hint=f"Its services: {', '.join(services) or 'none (it is not running; start it with mwaa-local up)'}.",
            )
    sys.exit(stack.logs(component, follow, tail))


@main.command()
@name_option
@click.option(
    "--no-update",
    is_flag=True,
    help="Only upload: do not UpdateEnvironment to the new requirements.txt, plugins.zip or startup.sh versions.",
)
@click.option(
    "--watch",
    is_flag=True,
    help="Keep uploading as the workspace changes (Ctrl+C stops); configuration file changes are "
    "uploaded and their update proposed, not applied (see --apply).",
)
@click.option("--apply", is_flag=True, help="With --watch: apply configuration file changes with UpdateEnvironment.")
@click.pass_context
@reports_errors
def deploy(context: click.Context, name: str | None, no_update: bool, watch: bool, apply: bool) -> None:
    """Upload the workspace to the environment's bucket (dags/ mirrored, like `aws s3 sync --delete`);
    new versions of requirements.txt, plugins.zip or startup.sh are then applied with UpdateEnvironment."""
    workspace = workspace_of(context)
    environment = lifecycle.environment_name(workspace, name)
    if apply and not watch:
        raise click.UsageError("--apply goes with --watch (a plain deploy applies unless --no-update).")
    if watch:
        watcher.watch(lifecycle.Context.load(), workspace, environment, apply=apply and not no_update)
        return
    uploads.upload(lifecycle.Context.load(), workspace, environment, apply=not no_update)


def workspace_tool(
    context: click.Context, name: str | None, airflow_version: str | None, arguments: list[str], writable: bool = False
) -> None:
    """Run a workspace check in a throwaway container of the environment's Airflow version."""
    workspace = workspace_of(context)
    cli_context = lifecycle.Context.load()
    record = workspace_record(cli_context, workspace, name, airflow_version)
    sys.exit(run_tool(cli_context.paths, record, workspace, arguments, click.echo, writable))


def workspace_record(
    cli_context: lifecycle.Context, workspace: Path, name: str | None, airflow_version: str | None
) -> EnvironmentRecord:
    record, _ = lifecycle.up_record(cli_context, workspace, name, airflow_version)
    ui.console.print(f"Airflow {record.airflow_version.version}, workspace {escape(str(workspace))}:", soft_wrap=True)
    return record


airflow_version_option = click.option(
    "--airflow-version", help="Airflow version (default: the workspace's environment.json's, else MWAA's newest)."
)


@main.command()
@name_option
@airflow_version_option
@click.pass_context
@reports_errors
def parse(context: click.Context, name: str | None, airflow_version: str | None) -> None:
    """Import every DAG file of the workspace as the environment's DAG processor would (its Airflow
    image, requirements.txt, plugins/, configuration options, .airflowignore), starting nothing;
    exit 1 on an import error, a DAG cycle or a duplicate DAG id."""
    workspace = workspace_of(context)
    cli_context = lifecycle.Context.load()
    record = workspace_record(cli_context, workspace, name, airflow_version)
    variables = parse_environment(record, MWAA_TIMINGS)
    sys.exit(parse_dags(cli_context.paths, record, workspace, click.echo, variables))


@main.command("test-requirements")
@name_option
@airflow_version_option
@click.pass_context
@reports_errors
def test_requirements(context: click.Context, name: str | None, airflow_version: str | None) -> None:
    """Install the workspace's requirements.txt as an update would (constraints, MWAA's essential
    pins, plugins/ for --find-links) in a throwaway container; report conflicts. No environment changes."""
    workspace_tool(context, name, airflow_version, ["test-requirements"])


@main.command("test-startup-script")
@name_option
@airflow_version_option
@click.option(
    "--component",
    type=click.Choice(["scheduler", "worker", "webserver"]),
    default="worker",
    show_default=True,
    help="The MWAA_AIRFLOW_COMPONENT the script sees.",
)
@click.pass_context
@reports_errors
def test_startup_script(context: click.Context, name: str | None, airflow_version: str | None, component: str) -> None:
    """Source the workspace's startup.sh as a component would: its output, exports, and the
    reserved variables MWAA would restore. No environment changes."""
    workspace_tool(context, name, airflow_version, ["test-startup-script", component])


@main.command("package-requirements")
@name_option
@airflow_version_option
@click.pass_context
@reports_errors
def package_requirements(context: click.Context, name: str | None, airflow_version: str | None) -> None:
    """Download the wheels of requirements.txt (with the version's constraints) into plugins/, for
    environments without internet access (`--find-links /usr/local/airflow/plugins --no-index`)."""
    workspace_tool(context, name, airflow_version, ["package-requirements"], writable=True)


def conf_value(_context: click.Context, _parameter: click.Parameter, value: str) -> dict[str, Any]:
    try:
        conf = json.loads(value)
    except json.JSONDecodeError as error:
        raise click.BadParameter(f"not JSON: {error}") from error
    if not isinstance(conf, dict):
        raise click.BadParameter('a JSON object, like \'{"key": "value"}\'')
    return conf


@main.command("test")
@name_option
@click.argument("dag_id")
@click.option("--conf", default="{}", callback=conf_value, help="The run's conf: a JSON object.")
@click.option(
    "--no-update", is_flag=True, help="Do not UpdateEnvironment to new requirements.txt, plugins.zip or startup.sh."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=600,
    show_default=True,
    help="Seconds to wait for the parse, then for the run.",
)
@click.pass_context
@reports_errors
def test_command(
    context: click.Context, name: str | None, dag_id: str, conf: dict[str, Any], no_update: bool, timeout: float
) -> None:
    """Upload the workspace (as `deploy`), wait until Airflow has parsed DAG_ID, trigger it on the
    running environment and show each task's state and log lines as they come; exit 0 when the
    run succeeds, 1 when it fails (with the failed tasks' logs)."""
    workspace = workspace_of(context)
    environment = lifecycle.environment_name(workspace, name)
    require_docker()
    outcome = dag_test.test_dag(
        lifecycle.Context.load(), workspace, environment, dag_id, conf, timeout, apply=not no_update
    )
    sys.exit(0 if outcome.succeeded else 1)


@main.command("env")
@reports_errors
def env_command() -> None:
    """Print the shell exports that point boto3 and the aws CLI at the local S3 service and MWAA API."""
    click.echo("export " + export_line(lifecycle.Context.load().region()))


def json_text(data: Any) -> str:
    """JSON as the aws CLI prints it: timestamps in ISO 8601."""
    return json.dumps(
        data, indent=4, default=lambda value: value.isoformat() if hasattr(value, "isoformat") else str(value)
    )


def finish(context: lifecycle.Context, client: ControlPlaneClient, name: str, timeout: float) -> None:
    """Wait for the environment's operation to end; an error when it did not end AVAILABLE (or gone)."""
    with ui.SpinnerDisplay() as display:
        settled = lifecycle.wait_settled(context, client, name, display, timeout)
    if settled is None:
        ui.console.print(f"Environment {name} is deleted.")
    elif settled["Status"] != "AVAILABLE":
        raise failure(settled)
    else:
        ui.console.print(f"Environment {name} is AVAILABLE: https://{settled['WebserverUrl']}")


def read_json_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise EnvironmentConfigError(f"Cannot read {path}: {error}", hint="Give a JSON file.") from error


wait_options = [
    click.option("--no-wait", is_flag=True, help="Return once the control plane accepted the request."),
    click.option("--timeout", type=click.FloatRange(min=1), default=1800, show_default=True, help="Seconds to wait."),
]


def from_option(help_text: str) -> Callable[[F], F]:
    return click.option(
        "--from", "source", type=click.Path(exists=True, dir_okay=False, path_type=Path), help=help_text
    )


def with_wait_options(command: F) -> F:
    for option in reversed(wait_options):
        command = option(command)
    return command


@main.command()
@name_option
@from_option("A CreateEnvironment input JSON, or `aws mwaa get-environment` output to mirror.")
@click.option("--airflow-version", help="Airflow version (default: the file's, else MWAA's newest).")
@with_wait_options
@click.pass_context
@reports_errors
def create(
    context: click.Context,
    name: str | None,
    source: Path | None,
    airflow_version: str | None,
    no_wait: bool,
    timeout: float,
) -> None:
    """CreateEnvironment: from --from FILE, else the workspace's environment.json. The bucket must exist."""
    cli_context = lifecycle.Context.load()
    if source is not None:
        mirrored = create_input_from(read_json_file(source), airflow_version)
        for note in mirrored.notes:
            ui.console.print(f"[yellow]Note:[/] {escape(note)}", soft_wrap=True)
        members = {**mirrored.members, **({"Name": check_name(name)} if name else {})}
        record = build_record(members)
    else:
        record, _ = lifecycle.up_record(cli_context, workspace_of(context), name, airflow_version)
    require_docker()
    with ui.SpinnerDisplay() as display:
        client = lifecycle.api(cli_context, lifecycle.region_up(cli_context, display, timeout))
    arn = client.call("create_environment", **record.fields)["Arn"]
    ui.console.print(f"CreateEnvironment accepted: {arn}")
    if not no_wait:
        finish(cli_context, client, record.name, timeout)


def options_value(_context: click.Context, _parameter: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    pairs = [value.split("=", 1) for value in values]
    bad = [value for value, pair in zip(values, pairs, strict=True) if len(pair) != 2]
    if bad:
        raise click.BadParameter(f"{bad[0]!r} is not SECTION.KEY=VALUE.")
    return {key: value for key, value in pairs}


@main.command()
@name_option
@from_option("UpdateEnvironment members as JSON (members left out keep their values).")
@click.option("--environment-class", help="mw1.micro … mw1.2xlarge.")
@click.option("--min-workers", type=int)
@click.option("--max-workers", type=int)
@click.option("--schedulers", type=int)
@click.option("--airflow-version", help="Another minor version of the same major version.")
@click.option(
    "--option",
    "options",
    multiple=True,
    metavar="SECTION.KEY=VALUE",
    callback=options_value,
    help="An Airflow configuration option, set on top of the current ones; repeatable.",
)
@with_wait_options
@click.pass_context
@reports_errors
def update(
    context: click.Context,
    name: str | None,
    source: Path | None,
    environment_class: str | None,
    min_workers: int | None,
    max_workers: int | None,
    schedulers: int | None,
    airflow_version: str | None,
    options: dict[str, str],
    no_wait: bool,
    timeout: float,
) -> None:
    """UpdateEnvironment: only the members given change."""
    environment = lifecycle.environment_name(workspace_of(context), name)
    cli_context = lifecycle.Context.load()
    require_docker()
    with ui.SpinnerDisplay() as display:
        client = lifecycle.api(cli_context, lifecycle.region_up(cli_context, display, timeout))
    members: dict[str, Any] = dict(read_json_file(source)) if source else {}
    given = {
        "EnvironmentClass": environment_class,
        "MinWorkers": min_workers,
        "MaxWorkers": max_workers,
        "Schedulers": schedulers,
        "AirflowVersion": airflow_version,
    }
    members.update({member: value for member, value in given.items() if value is not None})
    if options:
        current = client.call("get_environment", Name=environment)["Environment"]
        members["AirflowConfigurationOptions"] = {**(current.get("AirflowConfigurationOptions") or {}), **options}
    client.call("update_environment", **{**members, "Name": environment})
    ui.console.print(f"UpdateEnvironment accepted for {environment}.")
    if not no_wait:
        finish(cli_context, client, environment, timeout)


@main.command()
@name_option
@with_wait_options
@click.pass_context
@reports_errors
def delete(context: click.Context, name: str | None, no_wait: bool, timeout: float) -> None:
    """DeleteEnvironment: its containers, data and record go; the bucket stays (it is yours)."""
    environment = lifecycle.environment_name(workspace_of(context), name)
    cli_context = lifecycle.Context.load()
    require_docker()
    client = lifecycle.api(cli_context)
    client.call("delete_environment", Name=environment)
    ui.console.print(f"DeleteEnvironment accepted for {environment}.")
    if not no_wait:
        finish(cli_context, client, environment, timeout)


@main.command("list")
@reports_errors
def list_command() -> None:
    """ListEnvironments, with each one's status."""
    require_docker()
    client = lifecycle.api(lifecycle.Context.load())
    names = [name for page in client.pages("list_environments", "Environments") for name in page]
    table = Table(title="environments", title_justify="left")
    for column in ("name", "status", "airflow", "class", "web server"):
        table.add_column(column)
    for environment_name in names:
        found = client.environment(environment_name)
        if found:
            table.add_row(
                environment_name,
                found["Status"],
                found.get("AirflowVersion", ""),
                found.get("EnvironmentClass", ""),
                found.get("WebserverUrl", ""),
            )
    ui.console.print(table if names else "No environments.")


@main.group()
def workflows() -> None:
    """MWAA Serverless's workflows, through its API (as `aws mwaa-serverless`)."""


@workflows.command("list")
@reports_errors
def workflows_list() -> None:
    """ListWorkflows: each workflow's status, latest version and schedule."""
    require_docker()
    client = lifecycle.api(lifecycle.Context.load(), service="mwaa-serverless")
    found = [workflow for page in client.pages("list_workflows", "Workflows") for workflow in page]
    table = Table(title="workflows", title_justify="left")
    for column in ("name", "status", "latest version", "schedule", "modified"):
        table.add_column(column)
    for workflow in found:
        latest = client.call("get_workflow", WorkflowArn=workflow["WorkflowArn"])
        schedule = (latest.get("ScheduleConfiguration") or {}).get("CronExpression", "on demand")
        modified = workflow["ModifiedAt"].strftime("%Y-%m-%d %H:%M:%S")
        table.add_row(workflow["Name"], workflow["WorkflowStatus"], workflow["WorkflowVersion"], schedule, modified)
    ui.console.print(table if found else "No workflows: create one with `aws mwaa-serverless create-workflow`.")


@workflows.command("run")
@click.argument("name")
@click.option("--wait", is_flag=True, help="Wait for the run to end; exit 1 unless it succeeded.")
@click.option("--parameters", default="{}", callback=conf_value, help="OverrideParameters: a JSON object.")
@click.option("--timeout", type=float, default=1800.0, show_default=True, help="Seconds --wait waits.")
@reports_errors
def workflows_run(name: str, wait: bool, parameters: dict[str, Any], timeout: float) -> None:
    """StartWorkflowRun on the workflow named NAME; with --wait, its states until it ends."""
    require_docker()
    client = lifecycle.api(lifecycle.Context.load(), service="mwaa-serverless")
    outcome = serverless_runs.run(client, name, parameters, wait, timeout, ui.console.print)
    if outcome is not None and outcome != "SUCCESS":
        sys.exit(1)


@main.command()
@click.argument("name")
@reports_errors
def get(name: str) -> None:
    """GetEnvironment: the environment's MWAA record as JSON."""
    require_docker()
    click.echo(json_text(lifecycle.api(lifecycle.Context.load()).call("get_environment", Name=name)))


if __name__ == "__main__":
    main()
