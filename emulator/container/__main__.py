"""Container entrypoint: `scheduler`, `hybrid`, `<component>`, `init`, `downgrade <version> [<fab>]`,
`configure <folder>`, `sync`, `edge` or `health <check>`."""

from __future__ import annotations

import sys

USAGE = (
    "usage: scheduler | hybrid | <component> | init | downgrade <version> [<fab provider version>]\n"
    "       | configure <folder>\n"
    "       | sync | edge | health <check> | test-requirements | test-startup-script [<component>]\n"
    "       | package-requirements | parse\n"
    "components: "
)


def usage() -> str:
    from emulator.container.runtime import components

    return USAGE + ", ".join(components.COMPONENTS)


def main(argv: list[str]) -> int:
    command, arguments = (argv[0], argv[1:]) if argv else ("", [])
    if command == "health":
        # Docker runs it every few seconds in every container: it imports nothing it does not use
        # (the components' modules cost seconds of CPU on a busy machine).
        from emulator.container.runtime import health

        return health.main(arguments)
    if command in ("scheduler", "hybrid"):
        # MWAA's scheduler task and mw1.micro's container: components forked from a warm parent.
        from emulator.container.runtime import components

        components.start_group(command)
        return 0  # not reached: Airflow's python replaces this process
    from emulator.container.runtime import components

    if command in components.WEB_COMMANDS:
        # MWAA's web server tasks: MinWebservers of them serving one application built once.
        components.start_web_servers(command)
        return 0  # not reached

    if not command:
        print(usage(), file=sys.stderr)
        return 2
    if command in components.COMPONENTS:
        components.start(components.COMPONENTS[command])
        return 0  # not reached: the Airflow process replaces this one
    if command in ("init", "downgrade"):
        from emulator.container.runtime import init

        return init.main([command, *arguments])
    if command == "configure" and len(arguments) == 1:
        from pathlib import Path

        from emulator.container.runtime import configuration

        return configuration.configure(Path(arguments[0]))
    if command in ("test-requirements", "test-startup-script", "package-requirements", "parse"):
        from emulator.container.runtime import workspace_tools

        return workspace_tools.main(argv)
    if command == "edge":
        from emulator.container.edge import serve

        return serve.main()
    if command == "sync":
        from emulator.container.sync import sidecar

        return sidecar.main()
    print(f"unknown command {command!r}\n{usage()}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
