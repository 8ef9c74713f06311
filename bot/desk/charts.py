"""The /thongke chart as a PNG: daily counts of the top entries, drawn to be read on a phone.

matplotlib is imported inside `render_daily_chart`, never at start-up: it costs about half a second
and 30 MB, and most runs of the bot never draw a chart. The object-oriented API (Figure + Agg canvas,
no pyplot) keeps no global state, so a chart can be drawn in a worker thread.
"""

from __future__ import annotations

import io

from bot.desk.statistics import DailyChart

# 1080 x 1350 pixels: a phone screen's width, portrait, and below the 1280-pixel side past which
# Telegram would shrink the photo (and its labels) further.
WIDTH_INCHES, HEIGHT_INCHES, DPI = 8.0, 10.0, 135
# DejaVu Sans ships with matplotlib and covers Vietnamese (Latin Extended Additional); the fallbacks
# are there in case a system font is preferred by the configuration.
FONT = ["DejaVu Sans", "Noto Sans", "Liberation Sans"]
COLOURS = ("#c0392b", "#2471a3", "#d68910", "#229954", "#7d3c98")


def render_daily_chart(chart: DailyChart) -> bytes:
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": FONT, "font.size": 15}):
        figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        positions = list(range(len(chart.days)))
        for index, (label, counts) in enumerate(chart.series):
            colour = COLOURS[index % len(COLOURS)]
            axes.plot(positions, counts, marker="o", markersize=7, linewidth=3, color=colour, label=label)
        step = max(1, len(chart.days) // 8)  # at most about eight dates under the axis
        axes.set_xticks(positions[::step], [d.strftime("%d/%m") for d in chart.days[::step]], rotation=0)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylim(bottom=0)
        axes.set_title(chart.title, fontsize=19, fontweight="bold", loc="left", wrap=True)
        axes.set_ylabel(chart.y_label)
        axes.grid(axis="y", alpha=0.3)
        axes.spines[["top", "right"]].set_visible(False)
        figure.legend(loc="outside lower center", ncols=1, frameon=False, fontsize=13)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
