"""Dialog that installs missing Python packages with pip into the QGIS profile."""

from __future__ import annotations

import os
from pathlib import Path

from qgis.PyQt.QtCore import QProcess, QProcessEnvironment, QTemporaryDir, pyqtSignal
from qgis.PyQt.QtGui import QFont
from qgis.PyQt.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLayout,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..common.deps import (
    SYSTEM_LIBRARY_PACKAGES,
    Requirement,
    activate_packages_dir,
    constraints_for_running_python,
    missing_requirements,
    needs_source_build,
    pip_install_command,
    pip_progress_step,
    prefix_site_dirs,
)


class DependencyInstallDialog(QDialog):
    """Runs ``python -m pip install --prefix <profile folder>`` and shows its progress.

    pip runs in a ``QProcess`` so QGIS stays responsive; Cancel kills it. Afterwards
    the folder is put on ``sys.path`` and the packages are checked again, so the
    result shown is what Python can import now, not what pip claims.
    """

    #: Emitted after a run with the import names still missing (empty on success).
    finished_install = pyqtSignal(list)

    def __init__(
        self,
        requirements: list[Requirement],
        prefix: Path,
        parent: QWidget | None = None,
        extra_pip_args: list[str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("CityTwinInstallDialog")
        self.setWindowTitle(self.tr("CityTwin — Install Python packages"))
        self.setMinimumWidth(600)
        self._requirements = list(requirements)
        self._prefix = Path(prefix)
        self._extra_pip_args = list(extra_pip_args or [])
        self._process: QProcess | None = None
        self._temp = QTemporaryDir()
        self._log_lines: list[str] = []
        self.exit_code: int | None = None
        self.still_missing: list[str] | None = None

        layout = QVBoxLayout(self)
        # The dialog may not shrink below what its word-wrapped labels need.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self.intro = QLabel(
            self.tr(
                "CityTwin will install these packages with pip into a folder of your QGIS "
                "profile ({folder}); your system Python is not changed, and deleting the "
                "folder undoes the installation."
            ).format(folder=str(self._prefix)),
            self,
        )
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)

        self.package_list = QListWidget(self)
        for req in self._requirements:
            self.package_list.addItem(f"{req.pip_spec} — {req.purpose}")
        rows = min(len(self._requirements), 8)
        self.package_list.setFixedHeight(
            self.package_list.sizeHintForRow(0) * rows + 2 * self.package_list.frameWidth()
        )
        layout.addWidget(self.package_list)
        self._add_system_note(layout)
        self._add_progress(layout)
        self._add_buttons(layout)
        self._fit_wrapped_labels()

    def _fit_wrapped_labels(self) -> None:
        # Layouts do not ask word-wrapped labels how tall they get at the dialog's width
        # (a long-standing Qt limitation), so reserve that height explicitly.
        margins = self.layout().contentsMargins()
        width = self.minimumWidth() - margins.left() - margins.right()
        for label in (self.intro, self.system_note):
            if not label.isHidden() and label.text():
                label.setMinimumHeight(label.heightForWidth(width))

    def _add_system_note(self, layout: QVBoxLayout) -> None:
        system_bound = [r.distribution for r in self._requirements if r.module in SYSTEM_LIBRARY_PACKAGES]
        self.system_note = QLabel(self)
        self.system_note.setWordWrap(True)
        if system_bound and needs_source_build():
            self.system_note.setText(
                self.tr(
                    "Note: {names} must use the PROJ, GEOS and GDAL libraries of your QGIS; their "
                    "PyPI builds bundle other copies that crash QGIS. pip will build them from source, "
                    "which needs a compiler and the -dev packages. Simpler: install your distribution's "
                    "packages (on Debian/Ubuntu: {apt}) and click Install again."
                ).format(
                    names=", ".join(system_bound),
                    apt="sudo apt install " + " ".join(f"python3-{name}" for name in system_bound),
                )
            )
            layout.addWidget(self.system_note)
        else:
            self.system_note.hide()

    def _add_progress(self, layout: QVBoxLayout) -> None:
        self.progress = QProgressBar(self)
        self.progress.setRange(0, len(self._requirements) + 1)
        self.progress.setValue(0)
        layout.addWidget(self.progress)

        self.status = QLabel(self.tr("Ready."), self)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        self.log = QPlainTextEdit(self)
        self.log.setReadOnly(True)
        self.log.setFont(QFont("monospace"))
        self.log.setMinimumHeight(120)
        layout.addWidget(self.log)

    def _add_buttons(self, layout: QVBoxLayout) -> None:
        self.buttons = QDialogButtonBox(self)
        self.install_button = QPushButton(self.tr("Install"), self)
        self.buttons.addButton(self.install_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setVisible(False)
        self.install_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.accept)
        layout.addWidget(self.buttons)

    def command(self) -> list[str]:
        """The pip command this dialog runs."""
        constraints = Path(self._temp.path()) / "constraints.txt"
        constraints.write_text("\n".join(constraints_for_running_python()) + "\n", encoding="utf-8")
        return pip_install_command(
            self._prefix,
            [req.pip_spec for req in self._requirements],
            constraints_file=constraints,
            extra_args=self._extra_pip_args,
        )

    def start(self) -> None:
        """Start pip; returns at once, :attr:`finished_install` tells the end."""
        if self._process is not None:
            return
        self._prefix.mkdir(parents=True, exist_ok=True)
        command = self.command()
        self._append(" ".join(command))
        self._process = QProcess(self)
        # Let pip see what earlier runs put in the prefix, so it is not installed twice.
        environment = QProcessEnvironment.systemEnvironment()
        paths = [str(folder) for folder in prefix_site_dirs(self._prefix)]
        if environment.contains("PYTHONPATH"):
            paths.append(environment.value("PYTHONPATH"))
        environment.insert("PYTHONPATH", os.pathsep.join(paths))
        self._process.setProcessEnvironment(environment)
        self._process.setWorkingDirectory(str(self._prefix))
        self._process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        self._process.readyReadStandardOutput.connect(self._read_output)
        self._process.finished.connect(self._on_finished)
        self._process.errorOccurred.connect(self._on_error)
        self.install_button.setEnabled(False)
        self.status.setText(self.tr("Installing…"))
        self._process.start(command[0], command[1:])

    def is_running(self) -> bool:
        return self._process is not None and self._process.state() != QProcess.ProcessState.NotRunning

    def cancel(self) -> None:
        """Kill a running pip, or close the dialog when nothing runs."""
        if self.is_running():
            self._append(self.tr("Canceled by the user."))
            self._process.kill()
        else:
            self.reject()

    def _append(self, text: str) -> None:
        self._log_lines.append(text)
        self.log.appendPlainText(text)

    def log_text(self) -> str:
        return "\n".join(self._log_lines)

    def _read_output(self) -> None:
        data = bytes(self._process.readAllStandardOutput()).decode("utf-8", errors="replace")
        requested = [req.pip_spec for req in self._requirements]
        for line in data.splitlines():
            self._append(line)
            step = pip_progress_step(line, requested)
            if step:
                self.progress.setValue(min(self.progress.value() + 1, len(self._requirements)))
                self.status.setText(self.tr("Collecting {name}…").format(name=step))
            elif line.startswith("Installing collected packages"):
                self.progress.setValue(len(self._requirements))
                self.status.setText(self.tr("Installing collected packages…"))

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._append(self.tr("pip could not be started."))
            self._on_finished(-1, QProcess.ExitStatus.CrashExit)

    def _on_finished(self, exit_code: int, _status: QProcess.ExitStatus) -> None:
        if self.exit_code is not None:
            return
        if self._process is not None:
            self._read_output()
        self.exit_code = exit_code
        activate_packages_dir(self._prefix)
        missing = [req.module for req in missing_requirements([r.module for r in self._requirements])]
        self.still_missing = missing
        self.progress.setValue(self.progress.maximum() if not missing else self.progress.value())
        if exit_code == 0 and not missing:
            self.status.setText(
                self.tr("Installed: {names}. They are ready to use.").format(
                    names=", ".join(req.distribution for req in self._requirements)
                )
            )
        else:
            self.status.setText(
                self.tr("pip ended with code {code}; still missing: {names}. See the log above.").format(
                    code=exit_code, names=", ".join(missing) or self.tr("none")
                )
            )
        self.install_button.setVisible(False)
        self.cancel_button.setVisible(False)
        self.close_button.setVisible(True)
        self.finished_install.emit(missing)
