"""Order exports as the platforms write them: Taobao/Tmall (GBK CSV, ="…" protected numbers), JD (.xlsx with
number and date cells), Douyin/抖店 (.xlsx, numbers protected by a leading tab) and Pinduoduo (UTF-8 CSV with
BOM, (元)/(件) in the column names). Each is written from the same truth, plus one row with a known problem,
so tests can check every imported value, every reported error and where each row came from.

`python -m sample_data.platforms DIR` writes the four files into DIR.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

SKUS = ("BP-1001", "OF-1003", "SP-1002", "TY-1004", "BT-1001", "WB-1002")
CARRIERS = {"sf": "顺丰速运", "zto": "中通快递", "yto": "圆通速递", "jdl": "京东快递"}


@dataclass(frozen=True)
class Truth:
    """One order as it should arrive in the orders table (field values after import)."""

    order_no: str
    customer_name: str
    phone: str
    address: str
    sku: str
    qty: int
    unit_price: Decimal
    status: str  # state name of the home_ecommerce flow
    ordered_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    signed_at: datetime | None
    carrier: str | None
    tracking_no: str | None
    remarks: str | None


@dataclass(frozen=True)
class Export:
    """A written export: the file, the sheet, the field values each good row must have once imported (by its
    sheet row, 1-based), and the problems of the bad rows as (sheet row, field, message start)."""

    path: Path
    sheet: str
    rows: dict[int, dict[str, Any]]
    problems: list[tuple[int, str, str]]


CARRIED = (
    "order_no", "customer_name", "phone", "address", "sku", "qty", "unit_price", "status", "ordered_at", "paid_at",
    "shipped_at", "signed_at", "carrier", "tracking_no", "remarks",
)  # fmt: skip


def expected(o: Truth, drop: tuple[str, ...] = (), **more: Any) -> dict[str, Any]:
    """The field values an imported row of `o` must have: the truth's fields the file carries, plus `more`."""
    return {f: getattr(o, f) for f in CARRIED if f not in drop} | more


NAMES = ("王建国", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽")
STREETS = ("文三路100号", "人民路8号3栋", "建设大道66号", "中山北路200号")
# (status, platform's words) in the order they are cycled through.
FLOW = ("placed", "picking", "shipped", "signed", "signed", "cancelled")


def truths(prefix: str, count: int, start: datetime, carriers: tuple[str, ...]) -> list[Truth]:
    """`count` orders with every status of FLOW; times follow the status (paid, shipped, signed)."""
    out = []
    for i in range(count):
        status = FLOW[i % len(FLOW)]
        ordered = start + timedelta(hours=7 * i, minutes=13 * i, seconds=17 * i)
        paid = ordered + timedelta(minutes=3 + i) if status != "placed" else None
        shipped = paid + timedelta(hours=20 + i) if paid and status in ("shipped", "signed") else None
        signed = shipped + timedelta(days=2, hours=i) if shipped and status == "signed" else None
        carrier = carriers[i % len(carriers)] if shipped else None
        out.append(
            Truth(
                order_no=f"{prefix}{i + 1:06d}",
                customer_name=NAMES[i % len(NAMES)],
                phone=f"13{i % 10}****{1000 + 37 * i:04d}",
                address=f"浙江省杭州市西湖区{STREETS[i % len(STREETS)]}",
                sku=SKUS[i % len(SKUS)],
                qty=1 + i % 4,
                unit_price=Decimal(f"{99 + 113 * i}.{(i * 7) % 100:02d}"),
                status=status,
                ordered_at=ordered,
                paid_at=paid,
                shipped_at=shipped,
                signed_at=signed,
                carrier=carrier,
                tracking_no=f"{carrier.upper()}{7_000_000_000 + 131 * i}" if carrier else None,
                remarks="周末送货" if i % 3 == 0 else None,
            )
        )
    return out


def _text(when: datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    return when.strftime(fmt) if when else ""


# -- Taobao / Tmall: 订单报表 as GBK CSV -----------------------------------------------------------------

TAOBAO_STATUS = {
    "placed": "等待买家付款",
    "picking": "买家已付款，等待卖家发货",
    "shipped": "卖家已发货，等待买家确认",
    "signed": "交易成功",
    "cancelled": "交易关闭",
}
TAOBAO_COLUMNS = (
    "订单编号", "买家会员名", "买家应付货款", "买家实际支付金额", "订单状态", "买家留言", "收货人姓名", "收货地址",
    "运送方式", "联系手机", "订单创建时间", "订单付款时间", "宝贝标题", "商家编码", "宝贝总数量", "价格",
    "物流单号", "物流公司", "订单备注", "店铺名称", "发货时间", "确认收货时间",
)  # fmt: skip


def write_taobao(folder: Path) -> Export:
    orders = truths("38765432101", 9, datetime(2026, 3, 1, 9, 5, 0), ("sf", "zto"))
    path = folder / "淘宝订单报表.csv"
    rows: dict[int, dict[str, Any]] = {}
    lines: list[list[str]] = [list(TAOBAO_COLUMNS)]
    for o in orders:
        total = o.unit_price * o.qty
        lines.append(
            [
                f'="{o.order_no}"', f"tb_{o.customer_name}", f"{total:.2f}", f"{total:.2f}", TAOBAO_STATUS[o.status],
                o.remarks or "", o.customer_name, o.address, "快递", o.phone, _text(o.ordered_at),
                _text(o.paid_at), f"{o.sku} 收纳盒", o.sku, str(o.qty), f"{o.unit_price:.2f}",
                f'="{o.tracking_no}"' if o.tracking_no else "", CARRIERS[o.carrier] if o.carrier else "", "",
                "家居生活旗舰店", _text(o.shipped_at), _text(o.signed_at),
            ]
        )  # fmt: skip
        rows[len(lines)] = expected(o, channel="taobao")
    bad = list(lines[1])
    bad[0], bad[14] = '="38765432109999"', "两件"  # a quantity written out in words
    lines.append(bad)
    with path.open("w", encoding="gb18030", newline="") as handle:
        csv.writer(handle).writerows(lines)
    return Export(path, path.stem, rows, [(len(lines), "qty", "数量:")])


# -- JD: 订单导出 as .xlsx with number and date cells --------------------------------------------------------

JD_STATUS = {
    "placed": "等待付款",
    "picking": "等待出库",
    "shipped": "等待确认收货",
    "signed": "完成",
    "cancelled": "已取消",
}
JD_COLUMNS = (
    "订单号", "商品ID", "商品名称", "订购数量", "支付方式", "下单时间", "京东价", "订单金额", "订单状态", "客户姓名",
    "客户地址", "联系电话", "商家备注", "付款确认时间", "货号", "订单完成时间", "快递公司", "运单号",
)  # fmt: skip


def write_jd(folder: Path) -> Export:
    orders = truths("2987654", 8, datetime(2026, 4, 2, 10, 0, 0), ("jdl",))
    path = folder / "京东订单导出.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("订单列表")
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    sheet.write_row(0, 0, JD_COLUMNS)
    rows: dict[int, dict[str, Any]] = {}

    def write(r: int, o: Truth, sku: str) -> None:
        values: list[Any] = [
            int(o.order_no), 100012345 + r, f"{o.sku} 置物架", o.qty, "在线支付", o.ordered_at, float(o.unit_price),
            float(o.unit_price * o.qty), JD_STATUS[o.status], o.customer_name, o.address, o.phone, o.remarks,
            o.paid_at, sku, o.signed_at, CARRIERS[o.carrier] if o.carrier else None, o.tracking_no,
        ]  # fmt: skip
        for c, value in enumerate(values):
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, value, when)
            elif value is not None:
                sheet.write(r, c, value)

    for r, o in enumerate(orders, start=1):
        write(r, o, o.sku)
        rows[r + 1] = expected(o, drop=("shipped_at",), channel="jd")
    bad_row = len(orders) + 1
    write(bad_row, replace(orders[0], order_no="2987654999999"), "ZZ-9999")
    book.close()
    return Export(path, "订单列表", rows, [(bad_row + 1, "sku", "SKU: no")])


# -- Douyin / 抖店: 订单导出 as .xlsx, numbers protected by a leading tab -------------------------------------

DOUYIN_STATUS = {
    "placed": "待支付",
    "picking": "备货中",
    "shipped": "已发货",
    "signed": "已完成",
    "cancelled": "已关闭",
}
DOUYIN_COLUMNS = (
    "主订单编号", "子订单编号", "选购商品", "商品规格", "商品数量", "商家编码", "商品单价", "订单应付金额", "收件人",
    "收件人手机号", "省", "市", "区", "详细地址", "订单提交时间", "支付完成时间", "发货时间", "订单完成时间",
    "订单状态", "买家留言",
)  # fmt: skip


def write_douyin(folder: Path) -> Export:
    orders = truths("69123456789", 7, datetime(2026, 5, 3, 20, 30, 0), ("yto",))
    path = folder / "抖店订单导出.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Sheet1")
    sheet.write_row(0, 0, DOUYIN_COLUMNS)
    rows: dict[int, dict[str, Any]] = {}
    lines = []
    for o in orders:
        lines.append(
            [
                f"\t{o.order_no}", f"\t{o.order_no}1", f"{o.sku} 收纳筐", "默认", str(o.qty), o.sku, f"{o.unit_price:.2f}",
                f"{o.unit_price * o.qty:.2f}", o.customer_name, o.phone, "浙江省", "杭州市", "西湖区",
                o.address.removeprefix("浙江省杭州市西湖区"), _text(o.ordered_at, "%Y/%m/%d %H:%M:%S"),
                _text(o.paid_at, "%Y/%m/%d %H:%M:%S"), _text(o.shipped_at, "%Y/%m/%d %H:%M:%S"),
                _text(o.signed_at, "%Y/%m/%d %H:%M:%S"), DOUYIN_STATUS[o.status], o.remarks or "",
            ]
        )  # fmt: skip
        rows[len(lines) + 1] = expected(
            o,
            drop=("carrier", "tracking_no"),
            address=o.address.removeprefix("浙江省杭州市西湖区"),
            province="浙江省",
            city="杭州市",
            platform_order_id=f"{o.order_no}1",
            channel="douyin",
        )
    bad = list(lines[0])
    bad[0], bad[9] = "\t69123456789999", "1380013"  # a phone number cut short
    lines.append(bad)
    for r, line in enumerate(lines, start=1):
        sheet.write_row(r, 0, line)
    book.close()
    return Export(path, "Sheet1", rows, [(len(lines) + 1, "phone", "手机号:")])


# -- Pinduoduo: 订单导出 as UTF-8 CSV with BOM --------------------------------------------------------------

PDD_STATUS = {
    "placed": "待支付",
    "picking": "待发货",
    "shipped": "已发货，待签收",
    "signed": "已签收",
    "cancelled": "已取消",
}
PDD_COLUMNS = (
    "商品", "订单号", "订单状态", "商品总价(元)", "商品单价(元)", "用户实付金额(元)", "商品数量(件)", "收货人", "手机",
    "省", "市", "区", "街道", "拼单成功时间", "发货时间", "确认收货时间", "商品规格", "商家编码-SKU维度", "快递单号",
    "快递公司", "商家备忘", "售后状态",
)  # fmt: skip


def write_pdd(folder: Path) -> Export:
    orders = truths("260315-2233", 8, datetime(2026, 3, 15, 8, 0, 0), ("zto", "yto"))
    path = folder / "拼多多订单导出.csv"
    lines: list[list[str]] = [list(PDD_COLUMNS)]
    rows: dict[int, dict[str, Any]] = {}
    for o in orders:
        lines.append(
            [
                f"{o.sku} 收纳袋", o.order_no, PDD_STATUS[o.status], f"{o.unit_price * o.qty:.2f}", f"{o.unit_price:.2f}",
                f"{o.unit_price * o.qty:.2f}", str(o.qty), o.customer_name, o.phone, "浙江省", "杭州市", "西湖区",
                o.address.removeprefix("浙江省杭州市西湖区"), _text(o.ordered_at), _text(o.shipped_at),
                _text(o.signed_at), "默认", o.sku, o.tracking_no or "", CARRIERS[o.carrier] if o.carrier else "",
                o.remarks or "", "无售后或售后取消",
            ]
        )  # fmt: skip
        rows[len(lines)] = expected(
            o,
            drop=("paid_at",),
            address=o.address.removeprefix("浙江省杭州市西湖区"),
            province="浙江省",
            city="杭州市",
            channel="pdd",
        )
    bad = list(lines[1])
    bad[1], bad[13] = "260315-2233999999", "2026-02-30 10:00:00"  # a day February does not have
    lines.append(bad)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(lines)
    return Export(path, path.stem, rows, [(len(lines), "ordered_at", "下单时间:")])


WRITERS = {"taobao": write_taobao, "jd": write_jd, "douyin": write_douyin, "pdd": write_pdd}

if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    target.mkdir(parents=True, exist_ok=True)
    for write in WRITERS.values():
        print(write(target).path)
