"""The trend page: `newsvault trend` as an interactive chart, with its data as CSV and JSON.

    /trend?terms=智谱,MiniMax,DeepSeek&by=week&share=1&site=36kr&since=...&until=...

The counts are pipeline.analyze.trend.trend's, unchanged; `format=csv` and `format=json`
give its columns and rows.  The chart is drawn in the browser by uPlot (MIT; static/
uPlot.iife.min.js, its LICENSE beside it), shipped inside the package because the
machine may be offline: it gives hover values and legend toggles in 50 KB with no
dependencies, where an SVG of our own would need those written and kept.  The page
hands uPlot one JSON block (`chart`): x as Unix seconds of each period's first day,
one list of values per term (share in percent).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pipeline.analyze.trend import PERIODS, TrendOptions, TrendResult, trend
from pipeline.sources import registry
from pipeline.web.params import BadParameter, Params
from pipeline.web.render import page, plain

MAX_TERMS = 12


def trend_page(request: Request) -> Response:
    params = Params(request)
    fmt = params.choice("format", ("html", "json", "csv"), "html")
    terms = [t.strip() for t in (params.text("terms") or "").split(",") if t.strip()]
    if len(terms) > MAX_TERMS:
        raise BadParameter("terms", f"{len(terms)} terms: give at most {MAX_TERMS}")
    by = params.choice("by", PERIODS, "week") or "week"
    site = params.choice("site", registry.names())
    since, until = params.days()
    share, dedupe = params.flag("share"), params.flag("dedupe")
    form = {"terms": ",".join(terms), "by": by, "site": site, "since": since,
            "until": until, "share": share, "dedupe": dedupe}
    if not terms:
        if fmt == "csv":
            raise BadParameter("terms", "give one or more terms, separated by commas")
        return page(request, "trend.html", {"title": "trend", "form": form, "sites":
                                            registry.names(), "result": None, "chart": None})
    options = TrendOptions(terms, by=by, site=site,
                           since=since.isoformat() if since else None,
                           until=until.isoformat() if until else None,
                           share=share, dedupe=dedupe)
    result = trend(request.app.state.settings, options)
    if fmt == "csv":
        return _csv(result)
    data = {"title": "trend: " + ", ".join(terms), "form": form, "sites": registry.names(),
            "result": {"columns": result.columns,
                       "rows": [dict(zip(result.columns, r, strict=True)) for r in result.rows],
                       "measure": result.measure, "notes": result.notes},
            "chart": chart(result)}
    return page(request, "trend.html", data)


def chart(result: TrendResult) -> dict[str, Any]:
    """uPlot's data: periods as Unix seconds (UTC midnight of the first day) and one
    series per term, in the order the terms were given."""
    measure = result.columns.index(result.measure)
    scale = 100.0 if result.measure == "share" else 1.0
    labels = [s.label for s in result.series]
    periods = sorted({row[0] for row in result.rows})
    index = {p: i for i, p in enumerate(periods)}
    values: dict[str, list[float | None]] = {label: [None] * len(periods) for label in labels}
    for row in result.rows:
        value = row[measure]
        values[row[1]][index[row[0]]] = None if value is None else round(float(value) * scale,
                                                                         4)
    return {"x": [_seconds(p) for p in periods], "periods": [str(p) for p in periods],
            "series": [{"label": label, "values": values[label]} for label in labels],
            "measure": result.measure, "unit": "%" if scale != 1.0 else "", "by": result.by}


def _seconds(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def _csv(result: TrendResult) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow(["" if v is None else plain(v) if not isinstance(v, int | float | str)
                         else v for v in row])
    return Response(out.getvalue(), 200, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'inline; filename="trend.csv"'})
