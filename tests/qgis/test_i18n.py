"""The zh_CN translation: complete, current, placeholder-safe, and used under zh_CN."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from qgis.core import QgsApplication, QgsSettings

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "i18n" / "citytwin_zh_CN.ts"
QM = ROOT / "i18n" / "citytwin_zh_CN.qm"
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
CJK = re.compile(r"[\u4e00-\u9fff]")


def messages(path: Path) -> list[tuple[str, str, ET.Element]]:
    root = ET.parse(path).getroot()
    return [
        (context.findtext("name"), message.findtext("source"), message.find("translation"))
        for context in root.iter("context")
        for message in context.iter("message")
    ]


def translation_of(context: str, source: str) -> str:
    for ctx, src, translation in messages(TS):
        if ctx == context and src == source:
            return translation.text
    raise KeyError((context, source))


def test_every_message_is_translated():
    found = messages(TS)
    assert len(found) > 50
    unfinished = [(c, s) for c, s, t in found if t.get("type") in ("unfinished", "obsolete") or not (t.text or "")]
    assert not unfinished, f"untranslated: {unfinished}"


def test_translations_keep_the_placeholders():
    broken = [
        (c, s, t.text)
        for c, s, t in messages(TS)
        if sorted(PLACEHOLDER.findall(s)) != sorted(PLACEHOLDER.findall(t.text))
    ]
    assert not broken, f"placeholders differ: {broken}"


def test_translations_are_chinese():
    # Everything except strings that are only placeholders or names.
    latin_only = [
        (c, s) for c, s, t in messages(TS) if not CJK.search(t.text) and re.search(r"[a-z]{4,}", PLACEHOLDER.sub("", s))
    ]
    assert not latin_only, latin_only


def test_ts_is_current_with_the_sources(tmp_path):
    """pylupdate5 over the plugin sources finds no string missing from the .ts."""
    pylupdate = shutil.which("pylupdate5")
    assert pylupdate, "pylupdate5 missing: run `make setup`"
    sources = subprocess.run(
        ["make", "-s", "-C", str(ROOT), "--eval=print-tr:\n\t@echo $(TR_SOURCES)", "print-tr"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    copy = tmp_path / "check.ts"
    shutil.copy(TS, copy)
    subprocess.run([pylupdate, "-noobsolete", *sources, "-ts", str(copy)], cwd=ROOT, check=True, capture_output=True)
    known = {(c, s) for c, s, _ in messages(TS)}
    current = {(c, s) for c, s, _ in messages(copy)}
    assert current - known == set(), f"strings not yet in the .ts (run make update-ts): {current - known}"
    assert known - current == set(), f"strings no longer in the sources: {known - current}"


@pytest.fixture
def zh_cn_locale(qgis_app):
    settings = QgsSettings()
    previous = (settings.value("locale/overrideFlag"), settings.value("locale/userLocale"))
    settings.setValue("locale/overrideFlag", True)
    settings.setValue("locale/userLocale", "zh_CN")
    yield
    settings.setValue("locale/overrideFlag", previous[0] or False)
    settings.setValue("locale/userLocale", previous[1] or "")


def test_dock_and_toolbox_speak_chinese_under_zh_cn(zh_cn_locale, iface, project, events):
    assert QM.is_file(), "compiled translation missing: run `make build`"
    import citytwin

    plugin = citytwin.classFactory(iface)
    plugin.initGui()
    try:
        events()
        dock = plugin.dock
        assert (
            dock.windowTitle() == translation_of("DigitalBaseDock", "CityTwin — Digital Base") == "CityTwin — 数字底座"
        )
        texts = dock.section_texts()
        expected_nav = translation_of("DigitalBaseDock", "Navigation")
        assert texts["navigation"][0] == translation_of("DigitalBaseDock", "{section} ({n})").format(
            section=expected_nav, n=0
        )
        assert texts["realscene3d"][0].startswith("实景三维")
        assert texts["monitoring"][1] == "暂无图层"
        assert dock.info_button.text() == "点云信息…"
        menu_titles = [a.text() for a in iface.mainWindow().menuBar().actions()]
        assert translation_of("CityTwinPlugin", "&CityTwin") in menu_titles
        alg = QgsApplication.processingRegistry().algorithmById("citytwin:pointcloudinfo")
        assert alg.displayName() == "点云信息"
        assert alg.group() == "实景三维"
        heights = QgsApplication.processingRegistry().algorithmById("citytwin:buildingheights")
        assert heights.displayName() == "由点云计算建筑高度"
        plugin.view3d_action.trigger()  # the 3D View dock, created on first use
        events()
        assert plugin.view3d.windowTitle() == "CityTwin — 三维视图"
        assert plugin.view3d.load_button.text() == "加载"
    finally:
        plugin.unload()
        events()
    # Unload removes the translator: English again.
    from qgis.PyQt.QtCore import QCoreApplication

    assert QCoreApplication.translate("DigitalBaseDock", "Navigation") == "Navigation"
