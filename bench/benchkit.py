"""What every benchmark script needs: the checkout importable as ``citytwin``, and the
peak memory of the measuring process. Scripts run as ``python bench/<name>.py`` or are
loaded by ``bench/run.py``; either way this folder is on ``sys.path``."""

from __future__ import annotations

import contextlib
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def import_citytwin() -> None:
    """Make the checkout importable as ``citytwin`` (as tests/conftest.py does)."""
    pkg_root = ROOT / "build" / "pkgroot"
    link = pkg_root / "citytwin"
    if not link.exists():
        pkg_root.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            link.symlink_to(Path("..") / "..", target_is_directory=True)
    if str(pkg_root) not in sys.path:
        sys.path.insert(0, str(pkg_root))


def peak_rss_mb() -> float:
    """Peak resident memory of this process, MB.

    VmHWM (Linux) belongs to the address space made by exec, while ``ru_maxrss`` also
    counts the parent's pages the child had after fork, before exec: with a parent that
    has just generated big inputs, that would hide the child's own peak.
    """
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
