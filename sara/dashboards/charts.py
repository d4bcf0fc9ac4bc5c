"""Charts drawn on the server as inline SVG: no script and no CDN (police networks are often
closed, and the page's CSP allows neither).

A chart is data first (`Chart`): categories along the x axis, one or more series of figures, each
figure with the link to the list behind it. The same object gives the SVG picture and the data
table beside it, so the two cannot disagree. The SVG is a picture, `role="img"` with a <title>
and <desc>, and holds no link (an image's content is presentational, so a link inside it is
nested-interactive, WCAG 4.1.2): every figure's link, and every marker's, is in the table beside
it, for everyone. Series differ by pattern and by label as well as by colour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from markupsafe import Markup, escape

# GOV.UK Frontend colours with at least 3:1 contrast against white (WCAG 1.4.11).
BLUE = "#1d70b8"
GREEN = "#00703c"
PURPLE = "#4c2c92"
RED = "#d4351c"
DARK_GREY = "#505a5f"
TEXT = "#0b0c0c"
GRID = "#b1b4b6"
FONT = "arial, sans-serif"  # the service font (not a GOV.UK service: no GDS Transport)

#: Fills, in series order: a solid one, then hatched ones (so colour is never the only cue).
PATTERNS = ("solid", "hatch", "dots", "cross")

WIDTH = 760
HEIGHT = 320
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 56, 16, 24, 64


@dataclass
class Figure:
    value: int
    #: The filtered list this figure counts; None when the user may not open it
    href: str | None = None


@dataclass
class Series:
    name: str
    figures: list[Figure]
    colour: str = BLUE


@dataclass
class Marker:
    """An event marked on a line chart (a case entering Response): at `position`, a category
    index plus the fraction of that category (month) gone by."""

    position: float
    label: str
    text: str
    href: str | None = None


@dataclass
class Chart:
    id: str
    title: str
    description: str
    categories: list[str]
    series: list[Series]
    #: "bar" (grouped), "stacked" or "line"
    kind: str = "bar"
    x_label: str = ""
    y_label: str = ""
    #: The categories' headings in the table (defaults to the categories)
    table_categories: list[str] | None = None
    markers: list[Marker] = field(default_factory=list)
    #: Heading of the table's first column
    category_heading: str = ""
    #: The picture's width in SVG units: narrower for a chart drawn beside its table, so its text
    #: is not shrunk as much
    width: int = WIDTH

    @property
    def total(self) -> int:
        return sum(f.value for s in self.series for f in s.figures)

    def rows(self) -> list[tuple[str, list[Figure]]]:
        labels = self.table_categories or self.categories
        return [(label, [s.figures[i] for s in self.series]) for i, label in enumerate(labels)]


# --- scale -------------------------------------------------------------------------------------

def nice_maximum(value: int) -> tuple[int, int]:
    """(top of the axis, step between gridlines): a 1, 2 or 5 step giving at most 5 lines."""
    if value <= 0:
        return 1, 1
    rough = value / 5
    magnitude = 10 ** math.floor(math.log10(rough)) if rough >= 1 else 1
    for multiple in (1, 2, 5, 10):
        step = max(1, multiple * magnitude)
        if step * 5 >= value:
            return step * math.ceil(value / step), step
    return value, max(1, value // 5)  # pragma: no cover - the loop always returns


# --- drawing -----------------------------------------------------------------------------------

def _attrs(**values) -> str:
    return " ".join(f'{name.rstrip("_").replace("_", "-")}="{escape(value)}"'
                    for name, value in values.items() if value is not None)


def _tag(name: str, content: str = "", **attrs) -> str:
    return f"<{name} {_attrs(**attrs)}>{content}</{name}>"


def _fill(chart: Chart, index: int) -> str:
    return f"url(#{chart.id}-fill-{index})"


def _defs(chart: Chart) -> str:
    """One fill per series: solid, or the series' colour with a white pattern over it."""
    parts = []
    for index, series in enumerate(chart.series):
        pattern = PATTERNS[index % len(PATTERNS)]
        marks = ""
        if pattern == "hatch":
            marks = _tag("path", d="M0,8 L8,0 M-2,2 L2,-2 M6,10 L10,6", stroke="#ffffff",
                         stroke_width="2")
        elif pattern == "dots":
            marks = _tag("circle", cx="4", cy="4", r="1.6", fill="#ffffff")
        elif pattern == "cross":
            marks = _tag("path", d="M0,4 L8,4 M4,0 L4,8", stroke="#ffffff", stroke_width="1.5")
        parts.append(_tag("pattern", _tag("rect", width="8", height="8", fill=series.colour)
                          + marks, id=f"{chart.id}-fill-{index}", width="8", height="8",
                          patternUnits="userSpaceOnUse"))
    return _tag("defs", "".join(parts))


def _figure(content: str, tooltip: str) -> str:
    """A figure in the picture, with a hover tooltip (its link is the table's)."""
    return _tag("g", _tag("title", escape(tooltip)) + content)


def _axes(chart: Chart, top: int, step: int, plot_w: float, plot_h: float,
          category_x) -> str:
    parts = []
    rotate = len(chart.categories) > 8 or (
        max(len(c) for c in chart.categories) * 7 > plot_w / len(chart.categories))
    for tick in range(0, top + 1, step):
        y = MARGIN_TOP + plot_h - plot_h * tick / top
        parts.append(_tag("line", x1=MARGIN_LEFT, x2=MARGIN_LEFT + plot_w, y1=f"{y:.1f}",
                          y2=f"{y:.1f}", stroke=GRID if tick else TEXT, stroke_width="1"))
        parts.append(_tag("text", str(tick), x=MARGIN_LEFT - 6, y=f"{y + 4:.1f}",
                          text_anchor="end", font_size="12", fill=TEXT))
    for index, label in enumerate(chart.categories):
        x = category_x(index)
        y = MARGIN_TOP + plot_h + 14
        if rotate:
            parts.append(_tag("text", escape(label), x=f"{x:.1f}", y=f"{y:.1f}",
                              text_anchor="end", font_size="12", fill=TEXT,
                              transform=f"rotate(-45 {x:.1f} {y:.1f})"))
        else:
            parts.append(_tag("text", escape(label), x=f"{x:.1f}", y=f"{y + 2:.1f}",
                              text_anchor="middle", font_size="12", fill=TEXT))
    if chart.y_label:
        middle = MARGIN_TOP + plot_h / 2
        parts.append(_tag("text", escape(chart.y_label), x="14", y=f"{middle:.1f}",
                          text_anchor="middle", font_size="12", fill=TEXT,
                          transform=f"rotate(-90 14 {middle:.1f})"))
    return "".join(parts)


def _legend(chart: Chart) -> str:
    if len(chart.series) < 2 and not chart.markers:
        return ""
    parts, x = [], MARGIN_LEFT
    for index, series in enumerate(chart.series):
        if chart.kind == "line":
            parts.append(_tag("line", x1=x, x2=x + 18, y1="10", y2="10", stroke=series.colour,
                              stroke_width="3"))
        else:
            parts.append(_tag("rect", x=x, y="3", width="14", height="14",
                              fill=_fill(chart, index), stroke=TEXT, stroke_width="0.5"))
        parts.append(_tag("text", escape(series.name), x=x + 22, y="15", font_size="13",
                          fill=TEXT))
        x += 30 + 7.5 * len(series.name)
    if chart.markers:
        parts.append(_marker_shape(x + 7, 10))
        parts.append(_tag("text", "Case entered Response", x=x + 20, y="15", font_size="13",
                          fill=TEXT))
    return _tag("g", "".join(parts), class_="app-chart__legend")


def _marker_shape(x: float, y: float) -> str:
    return _tag("path", d=f"M{x:.1f},{y + 6:.1f} L{x - 6:.1f},{y - 5:.1f} "
                          f"L{x + 6:.1f},{y - 5:.1f} Z", fill=PURPLE, stroke="#ffffff",
                stroke_width="1")


def _bars(chart: Chart, top: int, plot_w: float, plot_h: float) -> str:
    band = plot_w / max(1, len(chart.categories))
    stacked = chart.kind == "stacked"
    groups = 1 if stacked else len(chart.series)
    bar_w = band * 0.7 / groups
    parts = []
    for index, category in enumerate(chart.categories):
        base = MARGIN_TOP + plot_h
        left = MARGIN_LEFT + band * index + band * 0.15
        for s_index, series in enumerate(chart.series):
            figure = series.figures[index]
            height = plot_h * figure.value / top
            x = left if stacked else left + bar_w * s_index
            y = base - height
            label = (_tag("text", str(figure.value), x=f"{x + bar_w / 2:.1f}",
                          y=f"{(y - 4) if not stacked else (y + 13):.1f}", text_anchor="middle",
                          font_size="11" if groups > 1 or len(chart.categories) > 8 else "13",
                          fill=TEXT if not stacked else "#ffffff")
                     if figure.value and (not stacked or height >= 16) else "")
            rect = _tag("rect", x=f"{x:.1f}", y=f"{y:.1f}", width=f"{bar_w:.1f}",
                        height=f"{max(height, 0):.1f}", fill=_fill(chart, s_index),
                        stroke=TEXT if figure.value else None, stroke_width="0.5")
            if stacked and label:
                # White on the series' colour: a dark backing keeps it legible over a pattern.
                label = _tag("rect", x=f"{x + bar_w / 2 - 11:.1f}", y=f"{y + 2:.1f}",
                             width="22", height="14", fill=TEXT, rx="2") + label
            parts.append(_figure(rect + label, f"{category}: {figure.value} ({series.name})"))
            if stacked:
                base = y
    return "".join(parts)


def _lines(chart: Chart, top: int, plot_w: float, plot_h: float, category_x) -> str:
    parts = []
    base = MARGIN_TOP + plot_h
    band = plot_w / max(1, len(chart.categories))
    for index, marker in enumerate(chart.markers):
        x = MARGIN_LEFT + band * marker.position
        # Staggered, so the numbers of cases entering Response in the same weeks stay readable.
        label_y = MARGIN_TOP + 14 + 13 * (index % 3)
        parts.append(_figure(
            _tag("line", x1=f"{x:.1f}", x2=f"{x:.1f}", y1=str(MARGIN_TOP), y2=f"{base:.1f}",
                 stroke=PURPLE, stroke_width="1.5", stroke_dasharray="4 3")
            + _marker_shape(x, MARGIN_TOP + 2)
            + _tag("text", escape(marker.label), x=f"{x + 3:.1f}", y=str(label_y),
                   font_size="11", fill=PURPLE),
            marker.text))
    for series in chart.series:
        points = [(category_x(i), base - plot_h * f.value / top)
                  for i, f in enumerate(series.figures)]
        parts.append(_tag("polyline", points=" ".join(f"{x:.1f},{y:.1f}" for x, y in points),
                          fill="none", stroke=series.colour, stroke_width="3"))
        for (x, y), figure, category in zip(points, series.figures, chart.categories,
                                            strict=True):
            dot = _tag("circle", cx=f"{x:.1f}", cy=f"{y:.1f}", r="5", fill=series.colour,
                       stroke="#ffffff", stroke_width="1.5")
            value = _tag("text", str(figure.value), x=f"{x:.1f}", y=f"{y - 9:.1f}",
                         text_anchor="middle", font_size="11", fill=TEXT)
            parts.append(_figure(dot + value, f"{category}: {figure.value} ({series.name})"))
    return "".join(parts)


def render_svg(chart: Chart) -> Markup:
    plot_w = chart.width - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    if chart.kind == "stacked":
        highest = max((sum(s.figures[i].value for s in chart.series)
                       for i in range(len(chart.categories))), default=0)
    else:
        highest = max((f.value for s in chart.series for f in s.figures), default=0)
    top, step = nice_maximum(highest)
    band = plot_w / max(1, len(chart.categories))

    def category_x(index: int) -> float:
        return MARGIN_LEFT + band * (index + 0.5)

    legend_h = 24 if (len(chart.series) > 1 or chart.markers) else 0
    body = (_axes(chart, top, step, plot_w, plot_h, category_x)
            + (_lines(chart, top, plot_w, plot_h, category_x) if chart.kind == "line"
               else _bars(chart, top, plot_w, plot_h)))
    content = (
        _tag("title", escape(chart.title), id=f"{chart.id}-title")
        + _tag("desc", escape(chart.description), id=f"{chart.id}-desc")
        + _defs(chart)
        + _legend(chart)
        + _tag("g", body, transform=f"translate(0 {legend_h})")
    )
    # Every text and attribute value in it went through escape() in _tag and _attrs.
    return Markup(_tag(  # noqa: S704
        "svg", content, xmlns="http://www.w3.org/2000/svg", role="img",
        aria_labelledby=f"{chart.id}-title {chart.id}-desc",
        viewBox=f"0 0 {chart.width} {HEIGHT + legend_h}", class_="app-chart__svg",
        font_family=FONT, focusable="false", **{"data-testid": "chart-svg"},
    ))


# --- the table beside the picture ---------------------------------------------------------------

def table(chart: Chart, unit: str) -> dict:
    """The chart's figures as govukTable parameters: one row per category, one column per
    series, each number a link to its list (with its meaning in words for screen readers)."""
    head = [{"text": chart.category_heading}] + [
        {"text": s.name, "format": "numeric"} for s in chart.series]
    rows = []
    for label, figures in chart.rows():
        row = [{"text": label}]
        for series, figure in zip(chart.series, figures, strict=True):
            words = ", ".join(part for part in (unit, series.name, label) if part)
            if figure.href is None:
                row.append({"text": str(figure.value), "format": "numeric"})
                continue
            row.append({"format": "numeric", "html": Markup(
                '<a class="govuk-link" data-testid="figure-link" data-value="{}" href="{}">{}'
                '<span class="govuk-visually-hidden"> {}</span></a>'
            ).format(figure.value, figure.href, figure.value, words)})
        rows.append(row)
    return {"caption": f"{chart.title}: the figures", "captionClasses": "govuk-table__caption--s",
            "firstCellIsHeader": True, "head": head, "rows": rows,
            "classes": "app-chart__table", "attributes": {"data-testid": f"{chart.id}-table"}}


def marker_rows(chart: Chart) -> list[list[dict]]:
    return [[{"html": Markup('<a class="govuk-link" data-testid="marker-link" href="{}">{}</a>')
              .format(marker.href, marker.text)}] for marker in chart.markers]
