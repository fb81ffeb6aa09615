"""`trend --plot FILE.png`: the trend as lines, with labels in Chinese.

matplotlib's own fonts have no Chinese glyphs (labels would be boxes), so a font that
has them is looked for, in order: the `trend.font` setting; a CJK font of the system
(Noto/Source Han, WenQuanYi, YaHei, PingFang ...); the Noto Sans SC file shipped by the
plot extra (`pip install 'newsvault[plot]'`, package pylopdf-fonts-zh-cn, SIL OFL).
When none has the glyphs of the labels, the error says so and what to install.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.analyze.outputs import writable_file
from pipeline.core.errors import ConfigError, UsageError

SYSTEM_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",
                   "Source Han Sans CN", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
                   "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC",
                   "SimHei", "Sarasa Gothic SC", "Droid Sans Fallback", "AR PL UMing CN")
PROBE = "中文字体"  # glyphs every candidate must have (plus those of the labels)
DEFAULT_SIZE = (1200, 600)
DPI = 100


def _matplotlib() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise UsageError("--plot needs matplotlib: pip install 'newsvault[plot]'") from None
    matplotlib.use("Agg")
    return matplotlib


def covers(path: Path, text: str) -> bool:
    """Whether the font file has a glyph for every non-space character of text."""
    from matplotlib.ft2font import FT2Font

    try:
        charmap = FT2Font(str(path)).get_charmap()
    except (OSError, RuntimeError, ValueError):
        return False
    return all(ord(ch) in charmap for ch in text if not ch.isspace())


def candidates() -> Iterator[Path]:
    """Font files to try: known CJK families of the system, then the plot extra's."""
    from matplotlib import font_manager

    known = {name.casefold() for name in SYSTEM_FAMILIES}
    for entry in font_manager.fontManager.ttflist:
        if entry.name.casefold() in known:
            yield Path(entry.fname)
    for path in font_manager.findSystemFonts():
        lowered = Path(path).name.casefold()
        if any(key in lowered for key in ("cjk", "han", "wqy", "yahei", "pingfang", "simhei",
                                          "notosanssc", "droidsansfallback")):
            yield Path(path)
    try:
        import pylopdf_fonts_zh_cn as bundled
    except ImportError:
        return
    yield Path(bundled.sans_path())


def find_font(configured: str, text: str, options: Iterable[Path] | None = None) -> Path:
    """A font file with glyphs for `text`; see the module docstring for the order."""
    _matplotlib()
    needed = PROBE + text
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise ConfigError(f"trend.font {configured} does not exist: point it at a "
                              ".ttf/.otf/.ttc file with Chinese glyphs, or clear it")
        if not covers(path, needed):
            raise ConfigError(f"trend.font {configured} has no glyphs for {needed!r}: choose "
                              "a font with Chinese glyphs (Noto Sans CJK SC, WenQuanYi ...)")
        return path
    for path in candidates() if options is None else options:
        if covers(path, needed):
            return path
    raise UsageError("no font with Chinese glyphs found for --plot: pip install "
                     "'newsvault[plot]' (bundles Noto Sans SC), install a system CJK font "
                     "(e.g. fonts-noto-cjk), or set trend.font to a font file")


@dataclass(frozen=True)
class Chart:
    """What a plot shows: named lines of (day, value) points."""

    title: str
    ylabel: str
    lines: dict[str, list[tuple[dt.date, float]]]


def draw(path: str | os.PathLike[str], chart: Chart, *, font: Path,
         size: tuple[int, int] = DEFAULT_SIZE) -> Path:
    """Draw the chart's lines and write the PNG atomically (temp file, then rename)."""
    matplotlib = _matplotlib()
    from matplotlib import font_manager, pyplot

    target = writable_file(path, "--plot")
    font_manager.fontManager.addfont(str(font))
    family = font_manager.FontProperties(fname=str(font)).get_name()
    style = {"font.family": "sans-serif", "font.sans-serif": [family, "DejaVu Sans"],
             "axes.unicode_minus": False}
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".png", dir=target.parent)
    os.close(fd)
    try:
        with matplotlib.rc_context(style), warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)  # a missing glyph is an error here
            figure, axes = pyplot.subplots(figsize=(size[0] / DPI, size[1] / DPI), dpi=DPI)
            try:
                for label, points in chart.lines.items():
                    axes.plot([p[0] for p in points], [p[1] for p in points], marker=".",
                              label=label)
                axes.set_title(chart.title)
                axes.set_ylabel(chart.ylabel)
                axes.grid(alpha=0.3)
                axes.legend()
                figure.autofmt_xdate()
                figure.tight_layout()
                figure.savefig(tmp, format="png", dpi=DPI)
            finally:
                pyplot.close(figure)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
