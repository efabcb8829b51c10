"""The sections of the digital base and how a layer is recognised as part of one.

A layer belongs to a section when it carries the custom property ``citytwin/role``
(set by CityTwin's importers) or, for projects assembled by hand, when it sits in a
layer-tree group named after the section in English or Chinese.
"""

from __future__ import annotations

#: Custom layer property holding the section id.
ROLE_PROPERTY = "citytwin/role"

#: Section ids in display order.
SECTIONS: tuple[str, ...] = ("navigation", "communication", "remote_sensing", "realscene3d", "monitoring")

#: Group names (lower-case) that map a hand-made layer-tree group to a section.
GROUP_ALIASES: dict[str, str] = {
    "navigation": "navigation",
    "导航": "navigation",
    "communication": "communication",
    "通信": "communication",
    "remote sensing": "remote_sensing",
    "遥感": "remote_sensing",
    "real-scene 3d": "realscene3d",
    "实景三维": "realscene3d",
    "monitoring": "monitoring",
    "监测": "monitoring",
}


def section_for(role_property: object, group_names: list[str]) -> str | None:
    """The section of a layer from its role property and its ancestor group names.

    The property wins; otherwise the innermost group whose name is a known alias.
    """
    if isinstance(role_property, str) and role_property in SECTIONS:
        return role_property
    for name in reversed(group_names):
        section = GROUP_ALIASES.get(name.strip().lower())
        if section:
            return section
    return None
