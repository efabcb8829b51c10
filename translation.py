"""Install CityTwin's translation for the locale QGIS runs in (adapter tier)."""

from __future__ import annotations

from qgis.core import QgsApplication, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator

from .common.paths import i18n_dir


def current_locale() -> str:
    """The UI locale QGIS uses, e.g. ``"zh_CN"`` (the user's override or the system's)."""
    settings = QgsSettings()
    if settings.value("locale/overrideFlag", False, type=bool):
        chosen = settings.value("locale/userLocale", "", type=str)
        if chosen:
            return chosen
    try:
        chosen = QgsApplication.locale()
    except AttributeError:  # pragma: no cover - very old QGIS
        chosen = ""
    return chosen or QLocale().name()


def translation_file(locale: str) -> str | None:
    """Path of the ``.qm`` for ``locale`` (``zh_CN``, falling back to ``zh``), if any."""
    for name in (locale, locale.split("_", maxsplit=1)[0]):
        candidate = i18n_dir() / f"citytwin_{name}.qm"
        if candidate.is_file():
            return str(candidate)
    return None


def install_translator(locale: str | None = None) -> QTranslator | None:
    """Load and install the translator for ``locale``; None when there is none.

    The caller keeps the returned object and passes it to :func:`remove_translator`
    on unload.
    """
    path = translation_file(locale or current_locale())
    if path is None:
        return None
    translator = QTranslator()
    if not translator.load(path):
        return None
    QCoreApplication.installTranslator(translator)
    return translator


def remove_translator(translator: QTranslator | None) -> None:
    """Uninstall a translator installed by :func:`install_translator`."""
    if translator is not None:
        QCoreApplication.removeTranslator(translator)
