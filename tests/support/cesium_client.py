"""A real 3D Tiles client for tests: a scene package's viewer in headless Chromium.

- :func:`serve_folder` serves a folder over http on 127.0.0.1 (browsers load neither
  tiles nor CesiumJS's workers from file://).
- :func:`run_cesium_check` runs ``tools/cesium_check.mjs`` (playwright-core driving
  Debian's chromium, WebGL in software) on a viewer URL and returns its JSON report.
- :func:`screenshot_shows_content` measures whether a screenshot shows a scene or only
  the empty background.

Missing tools fail the test (they are part of the test set-up, installed by ``make setup``),
they never skip it.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools"
SCRIPT = TOOLS / "cesium_check.mjs"
DEFAULT_CHROMIUM = "/usr/bin/chromium"

#: The middle of the viewer's 1024x768 view as fractions (left, top, right, bottom): clear of
#: the title bar (top left), the side panel and buttons (right) and the credit (bottom left).
SCENE_REGION = (0.1, 0.1, 0.64, 0.9)

# Only the types a 3D Tiles package needs that the mimetypes module may get wrong.
_MIME_TYPES = {
    ".glb": "model/gltf-binary",
    ".json": "application/json",
    ".js": "text/javascript",
    ".wasm": "application/wasm",
}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def guess_type(self, path):
        return _MIME_TYPES.get(Path(path).suffix.lower()) or super().guess_type(path)

    def log_message(self, format, *args):  # the base class names it `format`
        pass


@contextlib.contextmanager
def serve_folder(folder: str | Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port) while the block runs; yields the base URL.

    The base URL ends with ``/``: ``base + "index.html"`` is the viewer of a package.
    """
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="serve_folder", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def chromium_path() -> str:
    return os.environ.get("CITYTWIN_CHROMIUM", DEFAULT_CHROMIUM)


def run_cesium_check(
    url: str,
    screenshot: str | Path,
    timeout: float = 180.0,
    pick: bool = False,
    pick_at: Iterable[tuple[float, float, float]] = (),
) -> dict:
    """The report of ``tools/cesium_check.mjs`` on ``url`` (a served scene package's index.html).

    Keys: ``ok``, ``tilesLoaded``, ``tileFailures``, ``viewerErrors``, ``fatal``,
    ``consoleErrors``, ``pageErrors``, ``failedRequests``, ``title``, ``elapsed_s``, ``picks``
    and ``exit_code``. ``picks`` holds what clicks picked, as the viewer's side panel shows
    it: first near the middle of the view (``pick=True``), then at each WGS 84
    ``(longitude, latitude, ellipsoidal height)`` of ``pick_at``. The screenshot (1024x768
    PNG, taken before any click) is written to ``screenshot``.

    ``timeout`` bounds the wait for the tiles once the page has loaded (the check returns as
    soon as they are in): WebGL runs in software, many times slower on a busy 2-core machine.
    """
    node = shutil.which("node")
    missing = []
    if node is None:
        missing.append("Node.js (`node`)")
    if not (TOOLS / "node_modules" / "playwright-core").is_dir():
        missing.append("tools/node_modules/playwright-core")
    if not Path(chromium_path()).is_file():
        missing.append(f"Chromium at {chromium_path()} (Debian package `chromium`)")
    if missing:
        pytest.fail(
            "the headless 3D Tiles client is not installed: missing " + ", ".join(missing) + "; run `make setup`",
            pytrace=False,
        )
    command = [node, str(SCRIPT), url, str(Path(screenshot).resolve()), "--timeout", str(timeout)]
    if pick:
        command.append("--pick")
    for lon, lat, height in pick_at:
        command += ["--pick-at", f"{float(lon)!r},{float(lat)!r},{float(height)!r}"]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        # A last resort: the script bounds the wait for tiles by `timeout` and each other step
        # (browser start, page load, screenshot, click) by 2 minutes; under pytest's 600 s.
        timeout=timeout + 400,
        cwd=TOOLS,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if not lines:
        pytest.fail(
            f"cesium_check.mjs gave no report (exit {result.returncode}): {result.stderr.strip()[-2000:]}",
            pytrace=False,
        )
    report = json.loads(lines[-1])
    report["exit_code"] = result.returncode
    return report


def screenshot_shows_content(png: str | Path, region: tuple[float, float, float, float] = SCENE_REGION) -> dict:
    """How much of ``region`` of a screenshot is something other than the background.

    The background is the most common colour of the whole image (the viewer's plain
    backdrop whenever the scene does not fill the view). Returns ``background`` (RGB),
    ``content_fraction`` (pixels of ``region`` more than 24 levels from the background in
    some channel), ``content_std`` (standard deviation of those pixels' values over the
    three channels: 0 for one flat colour), and ``distinct_colours`` (among them, at 4 bits
    a channel).
    """
    from PIL import Image

    with Image.open(png) as image:
        pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    height, width = pixels.shape[:2]
    flat = pixels.reshape(-1, 3)
    codes = (flat[:, 0].astype(np.int32) << 16) | (flat[:, 1].astype(np.int32) << 8) | flat[:, 2]
    values, counts = np.unique(codes, return_counts=True)
    mode = int(values[np.argmax(counts)])
    background = np.array([(mode >> 16) & 255, (mode >> 8) & 255, mode & 255], dtype=np.int16)

    left, top, right, bottom = region
    window = pixels[int(top * height) : int(bottom * height), int(left * width) : int(right * width)].reshape(-1, 3)
    content = window[np.abs(window - background).max(axis=1) > 24]
    quantised = np.unique(content >> 4, axis=0) if len(content) else np.empty((0, 3))
    return {
        "width": width,
        "height": height,
        "background": background.tolist(),
        "content_fraction": float(len(content) / max(len(window), 1)),
        "content_std": float(content.std()) if len(content) else 0.0,
        "distinct_colours": len(quantised),
    }
