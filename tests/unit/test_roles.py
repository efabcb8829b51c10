"""Recognising base layers by role property or group name."""

from __future__ import annotations

from citytwin.layers.roles import SECTIONS, section_for


def test_property_wins_over_group():
    assert section_for("navigation", ["遥感"]) == "navigation"


def test_group_names_in_english_and_chinese():
    assert section_for(None, ["导航"]) == "navigation"
    assert section_for(None, ["City", "Remote Sensing"]) == "remote_sensing"
    assert section_for(None, ["实景三维", "misc"]) == "realscene3d"  # nearest known ancestor
    assert section_for("", ["unknown"]) is None
    assert section_for("not-a-section", []) is None


def test_sections_are_the_five_groups():
    assert SECTIONS == ("navigation", "communication", "remote_sensing", "realscene3d", "monitoring")
