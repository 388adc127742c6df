"""Order books kept by hand, as small shops keep them: a yearly summary workbook (a title row, a two-level
merged header, a 合计 row per month, Chinese dates, ¥ amounts, quantities with their unit, short carrier names)
and a GBK CSV order register (dotted and slashed dates, 无 and - for nothing, full-width digits, a phone with
spaces). Each writer returns the file, its data rows and what must land per order number."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from sample_data.corpus.truth import CARRIERS, orders

SHORT_CARRIER = {"sf": "顺丰", "zto": "中通", "yto": "圆通", "yunda": "韵达", "sto": "申通"}
CASUAL_STATE = {
    "placed": "未付款",
    "picking": "已付款",
    "shipped": "已发货",
    "signed": "已签收",
    "cancelled": "取消",
    "refunded": "取消",
}
CHANNELS = (("淘宝", "taobao"), ("微信", "wechat"), ("线下", "pos"), ("抖音", "douyin"))
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _gbk(text: str) -> str:
    return text.encode("gbk", "ignore").decode("gbk").strip()


def _spaced(phone: str) -> str:
    return f"{phone[:3]} {phone[3:7]} {phone[7:]}"


def yearly_summary(path: Path, seed: int) -> tuple[int, dict[str, dict[str, Any]]]:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("2025")
    bold = book.add_format({"bold": True, "align": "center"})
    sheet.merge_range(0, 0, 0, 12, "2025年度 订单汇总（手工登记）", bold)
    for first, last, label in ((0, 2, "订单"), (3, 5, "客户"), (6, 9, "商品"), (10, 11, "物流")):
        sheet.merge_range(2, first, 2, last, label, bold)
    sheet.merge_range(2, 12, 3, 12, "状态", bold)
    sheet.write_row(
        3,
        0,
        [
            "日期",
            "单号",
            "渠道",
            "客户名称",
            "电话",
            "地址",
            "编码",
            "品名",
            "数量",
            "单价",
            "快递",
            "运单号",
        ],
    )
    row, expected, data_rows = 4, {}, 0
    month = None
    for i, o in enumerate(orders(seed, 30, datetime(2025, 9, 1, 10), "taobao")):
        if month is not None and o.ordered_at.month != month:
            sheet.write_row(row, 0, [f"{month}月合计", "", "", "", "", "", "", "", "", ""])
            row += 2  # a 合计 row and a blank line between months
        month = o.ordered_at.month
        label, channel = CHANNELS[i % len(CHANNELS)]
        number = f"HK-{o.ordered_at:%y%m}-{i + 1:03d}"
        qty = f"{o.qty}件" if i % 3 == 0 else str(o.qty)
        price = f"¥{o.price:,.2f}" if i % 2 else f"{o.price:.2f}"
        sheet.write_row(
            row,
            0,
            [
                f"{o.ordered_at.year}年{o.ordered_at.month}月{o.ordered_at.day}日",
                number,
                label,
                o.name,
                _spaced(o.phone) if i % 4 == 0 else o.phone,
                o.street,
                o.sku,
                o.title,
                qty,
                price,
                SHORT_CARRIER.get(o.carrier or "", ""),
                o.tracking or "",
                CASUAL_STATE[o.state],
            ],
        )
        row += 1
        data_rows += 1
        expected[number] = {
            "order_no": number,
            "ordered_at": datetime(o.ordered_at.year, o.ordered_at.month, o.ordered_at.day),
            "channel": channel,
            "customer_name": o.name,
            "phone": o.phone,
            "address": o.street,
            "sku": o.sku,
            "qty": o.qty,
            "unit_price": o.price,
            "carrier": o.carrier,
            "tracking_no": o.tracking,
            "status": o.meaning,
        }
    sheet.write_row(row, 0, [f"{month}月合计"])
    book.close()
    return data_rows, expected


def order_register(path: Path, seed: int) -> tuple[int, dict[str, dict[str, Any]]]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [
            "序号",
            "订单号",
            "下单日期",
            "客户",
            "手机",
            "产品编码",
            "产品",
            "数量",
            "单价",
            "金额",
            "快递公司",
            "状态",
            "备注",
        ]
    )
    expected = {}
    data = orders(seed + 1, 26, datetime(2025, 10, 8, 9), "taobao")
    for i, o in enumerate(data):
        number = f"DJ{o.ordered_at:%Y%m%d}{i + 1:02d}"
        date = (
            f"{o.ordered_at.year}.{o.ordered_at.month}.{o.ordered_at.day}"
            if i % 2
            else f"{o.ordered_at:%Y/%m/%d}"
        )
        qty = str(o.qty).translate(FULL_WIDTH) if i % 5 == 0 else str(o.qty)
        writer.writerow(
            [
                str(i + 1),
                number,
                date,
                o.name,
                o.phone,
                o.sku,
                o.title,
                qty,
                f"{o.price:.2f}",
                f"{o.total:.2f}",
                CARRIERS.get(o.carrier or "", "无") if i % 3 else (CARRIERS.get(o.carrier or "") or "-"),
                CASUAL_STATE[o.state],
                _gbk(o.remark) or "无",
            ]
        )
        expected[number] = {
            "order_no": number,
            "ordered_at": datetime(o.ordered_at.year, o.ordered_at.month, o.ordered_at.day),
            "customer_name": o.name,
            "phone": o.phone,
            "sku": o.sku,
            "qty": o.qty,
            "unit_price": Decimal(f"{o.price:.2f}"),
            "carrier": o.carrier,
            "status": o.meaning,
            "remarks": _gbk(o.remark) or None,
        }
    path.write_bytes(buffer.getvalue().encode("gbk"))
    return len(data), expected


HANDKEPT: dict[str, Callable[[Path, int], tuple[int, dict[str, dict[str, Any]]]]] = {
    "2025年度订单汇总.xlsx": yearly_summary,
    "客户订单登记.csv": order_register,
}
