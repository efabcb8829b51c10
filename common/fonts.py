"""Fonts for matplotlib charts that carry Chinese text (district names, zh_CN labels)."""

from __future__ import annotations

#: CJK fonts tried in order after DejaVu Sans (Debian: fonts-wqy-microhei, fonts-noto-cjk).
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
             "Microsoft YaHei", "SimHei", "PingFang SC")  # fmt: skip


#: File-name fragments of those fonts, for a font cache built before they were installed.
_CJK_FILES = ("notosanscjk", "sourcehansans", "wqy-zenhei", "wqy-microhei", "msyh", "simhei", "pingfang")


def font_families() -> list[str]:
    """matplotlib ``font.family``: DejaVu Sans, then every installed CJK font as fallback."""
    from matplotlib import font_manager

    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    if not installed.intersection(CJK_FONTS):
        # matplotlib's font cache predates the CJK font package: register the files directly.
        for path in font_manager.findSystemFonts():
            if any(part in path.lower().replace("_", "-") for part in _CJK_FILES):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        installed = {entry.name for entry in font_manager.fontManager.ttflist}
    return ["DejaVu Sans", *[name for name in CJK_FONTS if name in installed]]
