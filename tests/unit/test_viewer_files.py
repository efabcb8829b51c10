"""The browser viewer that scene packages ship: copying it, and serve.py serving a package."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from citytwin.common.errors import InputError
from citytwin.twin import viewer_files
from citytwin.twin.viewer_files import VIEWER_FILES, copy_viewer, viewer_source

ROOT = Path(__file__).resolve().parents[2]
VIEWER = ROOT / "viewer"


def fake_viewer(folder: Path, with_cesium: bool = True) -> Path:
    """A viewer folder with the real layout and small made-up contents."""
    folder.mkdir(parents=True)
    for name in VIEWER_FILES:
        (folder / name).write_text(f"our {name}\n", encoding="utf-8")
    (folder / "serve.py").chmod(0o755)
    if with_cesium:
        (folder / "Cesium" / "Workers").mkdir(parents=True)
        (folder / "Cesium" / "Cesium.js").write_text("var Cesium = {};\n", encoding="utf-8")
        (folder / "Cesium" / "LICENSE.md").write_text("Apache License 2.0\n", encoding="utf-8")
        (folder / "Cesium" / "Workers" / "chunk.js").write_text("// worker\n", encoding="utf-8")
        (folder / "Cesium" / ".DS_Store").write_bytes(b"\0")
    return folder


def test_copy_viewer_writes_every_file_and_lists_them(tmp_path):
    source = fake_viewer(tmp_path / "viewer")
    package = tmp_path / "package"
    package.mkdir()
    written = copy_viewer(package, source=source)
    expected = sorted([*VIEWER_FILES, "Cesium/Cesium.js", "Cesium/LICENSE.md", "Cesium/Workers/chunk.js"])
    assert written == expected
    on_disk = sorted(p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file())
    assert on_disk == expected, "hidden files (.DS_Store) are not copied"
    for rel in written:
        assert (package / rel).read_bytes() == (source / rel).read_bytes(), rel
    if os.name == "posix":
        assert os.access(package / "serve.py", os.X_OK), "serve.py stays executable"


def test_copy_viewer_overwrites_an_earlier_copy(tmp_path):
    source = fake_viewer(tmp_path / "viewer")
    package = tmp_path / "package"
    package.mkdir()
    copy_viewer(package, source=source)
    (source / "Cesium" / "Cesium.js").write_text("var Cesium = {version: 2};\n", encoding="utf-8")
    copy_viewer(package, source=source)
    assert "version: 2" in (package / "Cesium" / "Cesium.js").read_text(encoding="utf-8")


def test_copy_viewer_without_cesium_says_to_build(tmp_path):
    source = fake_viewer(tmp_path / "viewer", with_cesium=False)
    package = tmp_path / "package"
    package.mkdir()
    with pytest.raises(InputError, match=r"run `make build`") as info:
        copy_viewer(package, source=source)
    assert "Cesium/Cesium.js" in str(info.value)
    assert not any(package.iterdir()), "nothing is copied when the viewer is incomplete"


def test_copy_viewer_needs_an_existing_package_folder(tmp_path):
    source = fake_viewer(tmp_path / "viewer")
    with pytest.raises(InputError, match="does not exist"):
        copy_viewer(tmp_path / "nowhere", source=source)


def test_viewer_source_is_none_until_built(tmp_path, monkeypatch):
    monkeypatch.setattr(viewer_files, "viewer_dir", lambda: fake_viewer(tmp_path / "bare", with_cesium=False))
    assert viewer_source() is None
    monkeypatch.setattr(viewer_files, "viewer_dir", lambda: fake_viewer(tmp_path / "built"))
    assert viewer_source() == tmp_path / "built"


def test_plugin_viewer_is_built_with_cesium_and_its_licence():
    source = viewer_source()
    if source is None:
        pytest.fail("the viewer is not built (viewer/Cesium/Cesium.js missing): run `make build`", pytrace=False)
    assert source == VIEWER
    assert "Apache License" in (source / "Cesium" / "LICENSE.md").read_text(encoding="utf-8")
    for part in ("Assets", "ThirdParty", "Widgets", "Workers"):
        assert (source / "Cesium" / part).is_dir(), part
    # Only the browser build: the bundler entry points are not shipped.
    assert not (source / "Cesium" / "index.js").exists()
    assert not (source / "Cesium" / "index.cjs").exists()


def test_viewer_page_refers_only_to_files_of_the_package():
    html = (VIEWER / "index.html").read_text(encoding="utf-8")
    references = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "Cesium/Cesium.js" in references and "Cesium/Widgets/widgets.css" in references
    assert references.index("viewer.js") < references.index("Cesium/Cesium.js"), "hooks before CesiumJS"
    for ref in references:
        if ref.startswith("data:"):
            continue
        assert not re.match(r"^[a-z]+:", ref), f"{ref}: the viewer must work offline"
        if not ref.startswith("Cesium/") or viewer_source() is not None:
            assert (VIEWER / ref).is_file(), ref
    for name in ("index.html", "viewer.js", "viewer.css"):
        text = (VIEWER / name).read_text(encoding="utf-8")
        assert not re.search(r"https?://", text), f"{name} names a network address"


def test_serve_py_serves_its_own_folder_with_3d_tiles_mime_types(tmp_path):
    package = tmp_path / "package"
    package.mkdir()
    for name in ("serve.py", "index.html", "viewer.js"):
        (package / name).write_bytes((VIEWER / name).read_bytes())
    (package / "points").mkdir()
    (package / "points" / "0.glb").write_bytes(b"glTF" + bytes(16))
    (package / "tileset.json").write_text('{"asset": {"version": "1.1"}}', encoding="utf-8")
    (package / "decoder.wasm").write_bytes(b"\0asm")

    # Started from another folder: it serves the folder it lives in, not the working directory.
    process = subprocess.Popen(
        [sys.executable, str(package / "serve.py"), "0", "--no-browser"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/index\.html", first_line)
        assert match, f"serve.py printed {first_line!r}"
        base = match.group(1)
        expected = {
            "/points/0.glb": "model/gltf-binary",
            "/tileset.json": "application/json",
            "/viewer.js": "text/javascript",
            "/decoder.wasm": "application/wasm",
            "/index.html": "text/html",
        }
        for path, mime in expected.items():
            with urllib.request.urlopen(base + path, timeout=10) as response:
                assert response.headers.get_content_type() == mime, path
                assert response.read() == (package / path.lstrip("/")).read_bytes(), path
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()
