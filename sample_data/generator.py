"""A deterministic, seeded generator of realistic orders for a template workspace.

N orders over the last D days across 7 warehouses with different delay profiles, a few injected hot spots
(warehouse × day cells where many paid orders stay unshipped past 24 h), six channels, Chinese customers,
SKUs with brands and prefixes, paid → shipped → signed timing, and after-sales cases. Vectorised (numpy),
so a million orders take seconds; the same seed and `now` give the same data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import polars as pl

from sample_data import catalog

HOUR_WEIGHTS = np.array(
    [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 4, 6, 8, 8, 7, 6, 6, 6, 6, 6, 5, 6, 8, 9, 7, 3], dtype=float
)


@dataclass(frozen=True)
class Dataset:
    skus: pl.DataFrame
    customers: pl.DataFrame
    orders: pl.DataFrame
    after_sales: pl.DataFrame
    hot_spots: list[tuple[str, str]]  # (warehouse, day as YYYY-MM-DD)


def _pick(rng: np.random.Generator, weights: dict[str, int], n: int) -> np.ndarray:
    keys = np.array(list(weights))
    p = np.array(list(weights.values()), dtype=float)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    surnames = np.array(catalog.SURNAMES)[rng.integers(0, len(catalog.SURNAMES), n)]
    given = np.array(catalog.GIVEN)
    one = given[rng.integers(0, len(given), n)]
    two = given[rng.integers(0, len(given), n)]
    double = rng.random(n) < 0.6
    return np.where(double, np.char.add(np.char.add(surnames, one), two), np.char.add(surnames, one))


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    prefixes = np.array(["13", "15", "17", "18", "19"])[rng.integers(0, 5, n)]
    third = rng.integers(0, 10, n).astype(str)
    rest = np.char.zfill(rng.integers(0, 100_000_000, n).astype(str), 8)
    return np.char.add(np.char.add(prefixes, third), rest)


def make_skus(rng: np.random.Generator, template: str) -> pl.DataFrame:
    rows = []
    for prefix, category, brands, price in catalog.PRODUCTS[template]:
        for i in range(12):
            brand = brands[i % len(brands)]
            list_price = round(price * float(rng.uniform(0.6, 1.6)), 2)
            model = f"{chr(65 + i % 6)}{100 + i * 10}"
            rows.append(
                {
                    "sku_code": f"{prefix}-{1001 + i}",
                    "name": f"{brand} {category} {model}型",
                    # What people call it in a chat: 沙发A100, 顾家沙发A100.
                    "aliases": f"{category}{model},{brand}{category}{model}",
                    "brand": brand,
                    "category": category,
                    "list_price": list_price,
                    "cost": round(list_price * float(rng.uniform(0.55, 0.8)), 2),
                    "warehouse": list(catalog.WAREHOUSE_DELAY_HOURS)[i % 7],
                    "stock": int(rng.integers(0, 400)),
                    "safety_stock": int(rng.integers(5, 30)),
                }
            )
    return pl.DataFrame(rows)


def make_customers(rng: np.random.Generator, n: int, now: datetime) -> pl.DataFrame:
    place_idx = rng.choice(
        len(catalog.PLACES), size=n, p=np.array(catalog.PLACE_WEIGHTS) / sum(catalog.PLACE_WEIGHTS)
    )
    provinces = [catalog.PLACES[i][0] for i in place_idx]
    cities = [catalog.PLACES[i][1][int(rng.integers(0, len(catalog.PLACES[i][1])))] for i in place_idx]
    names = _names(rng, n)
    with_company = rng.random(n) < 0.35
    companies = [
        f"{c[:-1]}{names[i][0]}氏{catalog.COMPANY_SUFFIX[i % len(catalog.COMPANY_SUFFIX)]}"
        if with_company[i]
        else None
        for i, c in enumerate(cities)
    ]
    return pl.DataFrame(
        {
            "customer_no": [f"CU{i + 1:06d}" for i in range(n)],
            "name": names,
            "company": companies,
            "phone": _phones(rng, n),
            "level": _pick(rng, {"A": 10, "B": 30, "C": 60}, n),
            "payment_terms": _pick(rng, {"cash": 70, "net30": 22, "net60": 8}, n),
            "credit_limit": (rng.integers(1, 50, n) * 1000).astype(float),
            "province": provinces,
            "city": cities,
            "since": [(now - timedelta(days=int(d))).date() for d in rng.integers(30, 2000, n)],
        }
    )


def _flow_states(states: list[str]) -> tuple[str, list[str], str, str, str]:
    """initial, pre-shipment states, shipped, signed and cancelled state names of a template flow."""
    shipped = "shipped"
    signed = "signed"
    cancelled = "cancelled"
    before = states[1 : states.index(shipped)]
    return states[0], before, shipped, signed, cancelled


def _in_flight_rows(ordered: np.ndarray, now: np.datetime64, count: int) -> np.ndarray:
    """Indices of the latest orders placed at least two hours ago, to be kept paid and not yet shipped.

    Left to chance, how many orders are still in a pre-shipment state depends on the hour the data is
    generated at (few or none in the small hours), so a demo workspace could show an empty 打包 column."""
    settled = np.flatnonzero(ordered <= now - np.timedelta64(7200, "s"))
    return settled[-count:] if count else settled[:0]


def make_orders(
    rng: np.random.Generator,
    n: int,
    days: int,
    now: datetime,
    template: str,
    prefix: str,
    states: list[str],
    customers: pl.DataFrame,
    skus: pl.DataFrame,
) -> tuple[pl.DataFrame, list[tuple[str, str]]]:
    """Orders with timing driven by warehouse delay profiles and injected hot spots.

    Random draws are numpy arrays; text columns are built as polars expressions, which keeps a million
    orders within a few hundred MB.
    """
    start = (now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    day = rng.integers(0, days, n)
    hour = rng.choice(24, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    seconds = np.sort(day * 86400 + hour * 3600 + rng.integers(0, 3600, n))
    ordered = np.minimum(
        np.datetime64(start, "s") + seconds.astype("timedelta64[s]"),
        np.datetime64(now, "s") - np.timedelta64(60, "s"),
    )
    cust = pl.Series(rng.integers(0, customers.height, n))
    sku = pl.Series(rng.integers(0, skus.height, n))
    keys = list(catalog.WAREHOUSE_DELAY_HOURS)
    nearest = customers["province"].replace_strict(catalog.WAREHOUSE_OF_PROVINCE, default="east").gather(cust)
    moved = pl.Series(keys).gather(rng.integers(0, len(keys), n))
    warehouses = pl.select(
        pl.when(pl.Series(rng.random(n) < 0.15)).then(moved).otherwise(nearest)
    ).to_series()
    wh = warehouses.to_numpy()

    unpaid = rng.random(n) < 0.03
    median = warehouses.replace_strict(catalog.WAREHOUSE_DELAY_HOURS, return_dtype=pl.Float64).to_numpy()
    ship_hours = median * np.exp(rng.normal(0, 0.6, n))
    hot_days = rng.choice(np.arange(max(days - 30, 0), days), size=min(6, days), replace=False)
    hot_spots = [(keys[int(rng.integers(0, 7))], int(d)) for d in hot_days]
    order_day = ((ordered - np.datetime64(start, "s")) // np.timedelta64(1, "D")).astype(int)
    for hot_wh, d in hot_spots:
        cell = (wh == hot_wh) & (order_day == d)
        ship_hours = np.where(cell & (rng.random(n) < 0.7), rng.uniform(26, 60, n), ship_hours)
    del wh, order_day

    paid = ordered + rng.exponential(600, n).astype("timedelta64[s]")
    shipped = paid + (ship_hours * 3600).astype("timedelta64[s]")
    signed = shipped + (rng.uniform(20, 96, n) * 3600).astype("timedelta64[s]")
    now64 = np.datetime64(now, "s")
    initial, before, shipped_state, signed_state, cancelled_state = _flow_states(states)
    open_rows = _in_flight_rows(ordered, now64, max(2 * len(before), n // 200))
    in_flight = np.zeros(n, dtype=bool)
    in_flight[open_rows] = True
    unpaid &= ~in_flight
    paid = np.where(in_flight, np.minimum(paid, ordered + np.timedelta64(1800, "s")), paid)
    is_paid = ~unpaid & (paid <= now64)
    is_shipped = is_paid & (shipped <= now64) & ~in_flight
    is_signed = is_shipped & (signed <= now64)
    cancelled = ~is_shipped & ~in_flight & (rng.random(n) < 0.25)

    pre_index = rng.integers(0, len(before), n)
    pre_index[open_rows] = np.arange(open_rows.size) % len(before)
    pre = pl.Series(before).gather(pre_index)
    qty = np.maximum(
        1, rng.geometric(0.45, n) * (1 + (template == "hardware_wholesale") * rng.integers(0, 40, n))
    )
    carrier = pl.Series(_pick(rng, catalog.CARRIER_WEIGHTS, n))
    frame = pl.DataFrame(
        {
            "ordered_at": ordered.astype("datetime64[us]"),
            "paid_at": paid.astype("datetime64[us]"),
            "shipped_at": shipped.astype("datetime64[us]"),
            "signed_at": signed.astype("datetime64[us]"),
            "is_paid": is_paid,
            "is_shipped": is_shipped,
            "is_signed": is_signed,
            "cancelled": cancelled,
            "pre": pre,
            "cust": cust,
            "sku_i": sku,
            "warehouse": warehouses,
            "channel": _pick(rng, catalog.CHANNEL_WEIGHTS, n),
            "carrier": carrier,
            "price_factor": rng.uniform(0.85, 1.05, n),
            "mask_draw": rng.random(n),
            "street": pl.Series(catalog.STREETS).gather(rng.integers(0, len(catalog.STREETS), n)),
            "house": rng.integers(1, 999, n),
            "tracking_digits": rng.integers(0, 10**12, n),
            "rush": rng.random(n) < 0.05,
            "vip": rng.random(n) < 0.08,
            "qty": qty.astype(np.int64),
        }
    )
    del ordered, paid, shipped, signed
    c = customers.with_row_index("cust").with_columns(pl.col("cust").cast(pl.Int64))
    k = skus.with_row_index("sku_i").with_columns(pl.col("sku_i").cast(pl.Int64))
    day = pl.col("ordered_at").dt.strftime("%Y%m%d")
    phone = pl.col("phone")
    masked = pl.col("channel").is_in(["taobao", "pdd"]) & (pl.col("mask_draw") < 0.3)
    status = (
        pl.when(pl.col("cancelled"))
        .then(pl.lit(cancelled_state))
        .when(pl.col("is_signed"))
        .then(pl.lit(signed_state))
        .when(pl.col("is_shipped"))
        .then(pl.lit(shipped_state))
        .when(pl.col("is_paid"))
        .then(pl.col("pre"))
        .otherwise(pl.lit(initial))
    )
    orders = (
        frame.join(
            c.select(
                "cust", "customer_no", pl.col("name").alias("customer_name"), "phone", "province", "city"
            ),
            on="cust",
            how="left",
        )
        .join(
            k.select("sku_i", "sku_code", "list_price", "cost"), on="sku_i", how="left", maintain_order="left"
        )
        .select(
            (
                pl.lit(prefix) + day + (pl.int_range(pl.len()).over(day) + 1).cast(pl.String).str.zfill(6)
            ).alias("order_no"),
            "channel",
            "customer_no",
            "customer_name",
            pl.when(masked)
            .then(phone.str.slice(0, 3) + pl.lit("****") + phone.str.slice(7, 4))
            .otherwise(phone)
            .alias("phone"),
            "province",
            "city",
            pl.concat_str(
                [pl.col("city"), pl.col("street"), pl.col("house").cast(pl.String), pl.lit("号")]
            ).alias("address"),
            pl.col("sku_code").alias("sku"),
            "qty",
            (pl.col("list_price") * pl.col("price_factor")).round(2).alias("unit_price"),
            pl.col("cost").round(2).alias("unit_cost"),
            "warehouse",
            status.alias("status"),
            "ordered_at",
            pl.when("is_paid").then(pl.col("paid_at")).alias("paid_at"),
            pl.when("is_paid").then(pl.col("paid_at") + pl.duration(hours=72)).alias("promised_at"),
            pl.when("is_shipped").then(pl.col("shipped_at")).alias("shipped_at"),
            pl.when("is_signed").then(pl.col("signed_at")).alias("signed_at"),
            pl.when("is_shipped").then(pl.col("carrier")).alias("carrier"),
            pl.when("is_shipped")
            .then(
                pl.col("carrier").str.to_uppercase() + pl.col("tracking_digits").cast(pl.String).str.zfill(12)
            )
            .alias("tracking_no"),
            pl.concat_list(pl.when("rush").then(pl.lit("rush")), pl.when("vip").then(pl.lit("vip")))
            .list.drop_nulls()
            .alias("priority_tags"),
        )
    )
    day_names = [(start + timedelta(days=d)).strftime("%Y-%m-%d") for _, d in hot_spots]
    return orders, [(w, name) for (w, _), name in zip(hot_spots, day_names, strict=True)]


def make_after_sales(rng: np.random.Generator, orders: pl.DataFrame, now: datetime) -> pl.DataFrame:
    signed = orders.filter(pl.col("signed_at").is_not_null())
    picked = signed.sample(fraction=0.03, seed=int(rng.integers(0, 2**31)))
    n = picked.height
    opened = picked["signed_at"] + pl.Series((rng.uniform(2, 120, n) * 3600 * 1e6).astype("int64")).cast(
        pl.Duration("us")
    )
    opened = pl.Series([min(o, now) for o in opened.to_list()], dtype=pl.Datetime("us"))
    closed_mask = rng.random(n) < 0.7
    closed = opened + pl.Series((rng.uniform(4, 72, n) * 3600 * 1e6).astype("int64")).cast(pl.Duration("us"))
    return pl.DataFrame(
        {
            "case_no": [f"AS{o.strftime('%Y%m%d')}{i + 1:05d}" for i, o in enumerate(opened.to_list())],
            "order_no": picked["order_no"],
            "reason": _pick(rng, catalog.AFTER_SALES_WEIGHTS, n),
            "case_status": np.where(
                closed_mask, "closed", np.where(rng.random(n) < 0.5, "processing", "open")
            ),
            "refund_amount": np.round(picked["unit_price"].to_numpy() * rng.uniform(0, 1, n), 2),
            "reshipped": rng.random(n) < 0.2,
            "opened_at": opened,
            "closed_at": pl.Series(
                [c if m and c <= now else None for c, m in zip(closed.to_list(), closed_mask, strict=True)],
                dtype=pl.Datetime("us"),
            ),
        }
    )


def generate(
    template: str, orders: int, days: int, seed: int, now: datetime, prefix: str, states: list[str]
) -> Dataset:
    """Every table's rows for a template workspace."""
    rng = np.random.default_rng(seed)
    skus = make_skus(rng, template)
    customers = make_customers(rng, max(200, min(20_000, orders // 25)), now)
    order_rows, hot = make_orders(rng, orders, days, now, template, prefix, states, customers, skus)
    return Dataset(skus, customers, order_rows, make_after_sales(rng, order_rows, now), hot)
