"""Read what the current QGIS project holds of the digital base (adapter tier)."""

from __future__ import annotations

from dataclasses import dataclass, field

from qgis.core import QgsLayerTreeGroup, QgsMapLayer, QgsProject

from .roles import ROLE_PROPERTY, SECTIONS, section_for


@dataclass
class BaseState:
    """Snapshot of the project for the Digital Base panel."""

    layers_by_section: dict[str, list[QgsMapLayer]] = field(default_factory=dict)
    other_layer_count: int = 0
    crs_authid: str = ""
    crs_description: str = ""
    temporal_range: tuple[str, str] | None = None
    project_title: str = ""


def _ancestor_group_names(project: QgsProject, layer: QgsMapLayer) -> list[str]:
    node = project.layerTreeRoot().findLayer(layer.id())
    names: list[str] = []
    parent = node.parent() if node is not None else None
    while isinstance(parent, QgsLayerTreeGroup) and parent.parent() is not None:
        names.append(parent.name())
        parent = parent.parent()
    return list(reversed(names))


def read_base_state(project: QgsProject) -> BaseState:
    """Which base layers the project holds per section, its CRS and time range."""
    state = BaseState(layers_by_section={section: [] for section in SECTIONS})
    for layer in project.mapLayers().values():
        section = section_for(layer.customProperty(ROLE_PROPERTY), _ancestor_group_names(project, layer))
        if section is None:
            state.other_layer_count += 1
        else:
            state.layers_by_section[section].append(layer)
    for layers in state.layers_by_section.values():
        layers.sort(key=lambda lyr: lyr.name().lower())
    crs = project.crs()
    state.crs_authid = crs.authid() if crs.isValid() else ""
    state.crs_description = crs.description() if crs.isValid() else ""
    time_range = project.timeSettings().temporalRange()
    if time_range.begin().isValid() and time_range.end().isValid():
        state.temporal_range = (
            time_range.begin().toString("yyyy-MM-dd HH:mm"),
            time_range.end().toString("yyyy-MM-dd HH:mm"),
        )
    state.project_title = project.title() or project.baseName()
    return state
