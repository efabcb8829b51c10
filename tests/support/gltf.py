"""Run the Khronos glTF validator (``tools/validate_gltf.mjs``) on a file from a test."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools"
SCRIPT = TOOLS / "validate_gltf.mjs"


def validate_gltf(path: str | Path, timeout: float = 120.0) -> dict:
    """The validator's report of ``path``: ``numErrors``, ``numWarnings``, ``messages``, ...

    Fails the calling test (not skips: the validator is part of the test set-up) when
    Node or the validator package is missing.
    """
    node = shutil.which("node")
    if node is None or not (TOOLS / "node_modules" / "gltf-validator").is_dir():
        pytest.fail(
            "the Khronos glTF validator is not installed (Node.js and tools/node_modules/gltf-validator): "
            "run `make node`",
            pytrace=False,
        )
    result = subprocess.run(
        [node, str(SCRIPT), str(Path(path).resolve())],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=TOOLS,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if not lines:
        pytest.fail(f"the glTF validator gave no report (exit {result.returncode}): {result.stderr.strip()}")
    return json.loads(lines[-1])


def validate_gltf_files(paths: list[str | Path], timeout: float = 600.0) -> list[dict]:
    """The validator's reports of many files, in one Node process (one report per file)."""
    node = shutil.which("node")
    if node is None or not (TOOLS / "node_modules" / "gltf-validator").is_dir():
        pytest.fail("the Khronos glTF validator is not installed: run `make node`", pytrace=False)
    result = subprocess.run(
        [node, str(SCRIPT), *(str(Path(p).resolve()) for p in paths)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=TOOLS,
        check=False,
    )
    reports = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    if len(reports) != len(paths):
        pytest.fail(f"the glTF validator reported {len(reports)} of {len(paths)} files: {result.stderr.strip()}")
    return reports
