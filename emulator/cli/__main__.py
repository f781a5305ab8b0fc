"""`python -m emulator.cli`: the `mwaa-local` command."""

from emulator.cli.commands import main

main()
