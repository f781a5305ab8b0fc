"""Container entrypoint: `<component>`, `init`, `downgrade <version> [<fab>]`, `configure <folder>`,
`sync` or `health <check>`."""

from __future__ import annotations

import sys

from emulator.runtime import components

USAGE = (
    "usage: <component> | init | downgrade <version> [<fab provider version>] | configure <folder>\n"
    "       | sync | health <check> | test-requirements | test-startup-script [<component>]\n"
    "       | package-requirements\n"
    f"components: {', '.join(components.COMPONENTS)}"
)


def main(argv: list[str]) -> int:
    if not argv:
        print(USAGE, file=sys.stderr)
        return 2
    command, arguments = argv[0], argv[1:]
    if command in components.COMPONENTS:
        components.start(components.COMPONENTS[command])
        return 0  # not reached: the Airflow process replaces this one
    if command in ("init", "downgrade"):
        from emulator.runtime import init

        return init.main([command, *arguments])
    if command == "configure" and len(arguments) == 1:
        from pathlib import Path

        from emulator.runtime import configuration

        return configuration.configure(Path(arguments[0]))
    if command in ("test-requirements", "test-startup-script", "package-requirements"):
        from emulator.runtime import workspace_tools

        return workspace_tools.main(argv)
    if command == "sync":
        from emulator.sync import sidecar

        return sidecar.main()
    if command == "health":
        from emulator.runtime import health

        return health.main(arguments)
    print(f"unknown command {command!r}\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
