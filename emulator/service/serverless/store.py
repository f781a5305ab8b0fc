"""The workflows on disk, under the region's state (survives `down`/`up` like the bucket):

<home>/region/serverless/workflows/<Name>.json               the workflow and its versions
<home>/region/serverless/definitions/<Name>/<version>.yaml   each version's definition snapshot
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from emulator.model.serverless.runs import WorkflowRun
from emulator.model.serverless.workflows import Workflow
from emulator.state.private_files import read_json, write_private

HINT = "Remove the file to forget the workflow, or restore it from a backup."


class WorkflowStore:
    def __init__(self, directory: Path) -> None:
        self.workflows = directory / "workflows"
        self.definitions = directory / "definitions"
        self.runs_folder = directory / "runs"

    def names(self) -> list[str]:
        if not self.workflows.is_dir():
            return []
        return sorted(path.stem for path in self.workflows.glob("*.json"))

    def load(self, name: str) -> Workflow | None:
        path = self.workflows / f"{name}.json"
        if not path.is_file():
            return None
        return Workflow.from_json(read_json(path, HINT))

    def save(self, workflow: Workflow) -> None:
        write_private(self.workflows / f"{workflow.name}.json", json.dumps(workflow.to_json(), indent=1))

    def save_definition(self, name: str, version: str, text: str) -> None:
        write_private(self.definitions / name / f"{version}.yaml", text)

    def definition(self, name: str, version: str) -> str:
        return (self.definitions / name / f"{version}.yaml").read_text(encoding="utf-8")

    def remove_version(self, name: str, version: str) -> None:
        (self.definitions / name / f"{version}.yaml").unlink(missing_ok=True)

    def remove(self, name: str) -> None:
        (self.workflows / f"{name}.json").unlink(missing_ok=True)
        shutil.rmtree(self.definitions / name, ignore_errors=True)
        shutil.rmtree(self.runs_folder / name, ignore_errors=True)

    def save_run(self, run: WorkflowRun) -> None:
        write_private(self.runs_folder / run.workflow / f"{run.run_id}.json", json.dumps(run.to_json(), indent=1))

    def load_run(self, name: str, run_id: str) -> WorkflowRun | None:
        path = self.runs_folder / name / f"{run_id}.json"
        if not path.is_file():
            return None
        return WorkflowRun.from_json(read_json(path, HINT))

    def runs(self, name: str | None = None) -> list[WorkflowRun]:
        """A workflow's runs (every workflow's without a name), oldest first."""
        folders = [self.runs_folder / name] if name else sorted(self.runs_folder.glob("*"))
        found = [WorkflowRun.from_json(read_json(path, HINT)) for folder in folders for path in folder.glob("*.json")]
        return sorted(found, key=lambda run: (run.created_at, run.run_id))
