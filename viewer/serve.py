#!/usr/bin/env python3
"""Show this CityTwin scene package in a web browser.

Usage (inside the unpacked package folder, or from anywhere)::

    python3 serve.py [port] [--no-browser]

Serves the folder holding this script on http://127.0.0.1:<port>/ (8765 by default;
a free port is taken when that one is busy), prints the address and opens it in the
default browser. Stop with Ctrl+C. Needs nothing but Python 3.7 or newer.

Browsers do not let a page opened as a file (file://) load the tiles or start CesiumJS's
web workers, hence this small local server; any other static web server works too.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
import webbrowser
from pathlib import Path

DEFAULT_PORT = 8765
HOST = "127.0.0.1"  # this computer only: the package is not published on the network

# Set explicitly rather than left to the mimetypes module: it knows no .glb, and on
# Windows it reads the registry, where .js is often text/plain (browsers then refuse
# CesiumJS's worker modules) and .wasm is missing.
MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".geojson": "application/geo+json",
    ".glb": "model/gltf-binary",
    ".gltf": "model/gltf+json",
    ".b3dm": "application/octet-stream",
    ".pnts": "application/octet-stream",
    ".i3dm": "application/octet-stream",
    ".cmpt": "application/octet-stream",
    ".subtree": "application/octet-stream",
    ".bin": "application/octet-stream",
    ".wasm": "application/wasm",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".ktx2": "image/ktx2",
}


class PackageRequestHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with the MIME types 3D Tiles and CesiumJS need; logs only failures."""

    def guess_type(self, path: str) -> str:  # type: ignore[override]
        suffix = Path(path).suffix.lower()
        return MIME_TYPES.get(suffix) or super().guess_type(path)

    def end_headers(self) -> None:
        # A package exported again into the same folder must not show stale tiles.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if isinstance(code, int) and code >= 400:
            super().log_request(code, size)


def make_server(folder: Path, port: int) -> http.server.ThreadingHTTPServer:
    """A server for ``folder`` on 127.0.0.1:``port`` (0: any free port)."""
    handler = functools.partial(PackageRequestHandler, directory=str(folder))
    return http.server.ThreadingHTTPServer((HOST, port), handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Show this CityTwin scene package in a web browser.")
    parser.add_argument("port", nargs="?", type=int, default=None, help=f"port (default {DEFAULT_PORT}; 0: any)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser, only print the address")
    args = parser.parse_args(argv)

    folder = Path(__file__).resolve().parent
    try:
        server = make_server(folder, DEFAULT_PORT if args.port is None else args.port)
    except OSError as exc:
        if args.port is not None:
            print(f"serve.py: cannot listen on {HOST}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        server = make_server(folder, 0)  # the default port is taken (another package open?)

    url = f"http://{HOST}:{server.server_address[1]}/index.html"
    print(f"CityTwin scene package: {url}", flush=True)
    print("场景包地址 (in a browser · 在浏览器中打开); stop with Ctrl+C · 按 Ctrl+C 停止", flush=True)
    if not args.no_browser:
        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
