"""The dock's "Nav & comm" tab (通导): the GNSS and coverage algorithms in order, the sky plot,
and the coverage prediction run in place with its drive-test comparison."""

from __future__ import annotations

from qgis.PyQt.QtWidgets import QGroupBox, QPushButton, QVBoxLayout, QWidget

from .icons import plugin_icon

GNSS_STEPS = ("citytwin:skyview", "citytwin:gnsslos", "citytwin:gnssavailability")
GRID_STEPS = ("citytwin:beidoucode", "citytwin:beidougrid")


class NavCommPanel(QWidget):
    """Algorithm buttons, the sky plot button and the coverage panel."""

    def __init__(self, parent: QWidget | None = None, open_algorithm=None, sky_plot=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        labels = {
            "citytwin:skyview": self.tr("Horizon and sky-view factor…"),
            "citytwin:gnsslos": self.tr("GNSS line-of-sight from an NMEA log…"),
            "citytwin:gnssavailability": self.tr("GNSS availability map…"),
            "citytwin:beidoucode": self.tr("Add BeiDou grid codes…"),
            "citytwin:beidougrid": self.tr("Create a BeiDou grid…"),
        }
        self.buttons: dict[str, QPushButton] = {}
        gnss = QGroupBox(self.tr("GNSS in the urban canyon"), self)
        gnss_layout = QVBoxLayout(gnss)
        for algorithm_id in GNSS_STEPS:
            gnss_layout.addWidget(self._button(gnss, algorithm_id, labels[algorithm_id], open_algorithm))
        self.sky_button = QPushButton(plugin_icon("skyplot.svg"), self.tr("Sky plot of a place"), gnss)
        if sky_plot is not None:
            self.sky_button.clicked.connect(lambda _checked=False: sky_plot())
        else:
            self.sky_button.setEnabled(False)
        gnss_layout.addWidget(self.sky_button)
        layout.addWidget(gnss)
        self.coverage_box = self._make_coverage_box(open_algorithm)
        layout.addWidget(self.coverage_box)
        grid = QGroupBox(self.tr("BeiDou grid codes (GB/T 39409-2020)"), self)
        grid_layout = QVBoxLayout(grid)
        for algorithm_id in GRID_STEPS:
            grid_layout.addWidget(self._button(grid, algorithm_id, labels[algorithm_id], open_algorithm))
        layout.addWidget(grid)
        layout.addStretch(1)

    def _button(self, parent: QWidget, algorithm_id: str, text: str, open_algorithm) -> QPushButton:
        button = QPushButton(text, parent)
        button.setStyleSheet("text-align: left; padding: 3px 8px;")
        if open_algorithm is not None:
            button.clicked.connect(lambda _checked=False, a=algorithm_id: open_algorithm(a))
        else:
            button.setEnabled(False)
        self.buttons[algorithm_id] = button
        return button

    def _make_coverage_box(self, open_algorithm):
        from .coverage_panel import CoveragePanel

        box = CoveragePanel(self, open_algorithm)
        self.buttons["citytwin:cellcoverage"] = box.dialog_button
        return box

    def teardown(self) -> None:
        """Cancel a running coverage prediction and release its plot."""
        self.coverage_box.teardown()
