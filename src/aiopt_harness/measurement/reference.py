"""The task's reference outputs: the initial program's output on every input, cached."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..build.compiler import compile_candidate
from ..common.paths import cache_dir
from ..sandbox.runs import FailedProgram, Settings, record_outputs
from ..tasks.task import Task, TaskError


def reference_outputs(task: Task, settings: Settings) -> tuple[Path, list[bytes]]:
    """The initial program's shared object and its output for each input.

    Raises TaskError when the initial program does not compile or run: the task is broken.
    """
    compiled = compile_candidate(task.initial, task.cxxflags)
    if compiled.shared_object is None:
        raise TaskError(
            f"task {task.name}: the initial program does not compile:\n{compiled.diagnostics}"
        )
    digest = hashlib.sha256(compiled.shared_object.stem.encode())
    for path in task.inputs:
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    directory = cache_dir() / "reference" / digest.hexdigest()
    files = [directory / f"{i}.bin" for i in range(len(task.inputs))]
    if all(f.is_file() for f in files):
        return compiled.shared_object, [f.read_bytes() for f in files]

    recorded = record_outputs([compiled.shared_object], list(task.inputs), settings)
    if isinstance(recorded, FailedProgram):
        raise TaskError(
            f"task {task.name}: the initial program fails ({recorded.failure.status.value}): "
            f"{recorded.failure.message}"
        )
    directory.mkdir(parents=True, exist_ok=True)
    for file, output in zip(files, recorded[0], strict=True):
        temporary = file.with_suffix(".tmp")
        temporary.write_bytes(output)
        temporary.replace(file)
    return compiled.shared_object, recorded[0]
