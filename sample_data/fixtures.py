"""Writes the small fixture files in sample_data/fixtures/ (run once; the files are committed).

- 订单汇总_合并表头.xlsx: a title row, an export-time row, a two-row header with merged cells
  (收货信息 over 收货人/手机/地址), 12 orders with awkward values, a blank row and a trailing 合计 row.
- 抖店订单导出_GBK.csv: a GBK-encoded platform export with ="…" protected numbers, masked phones,
  a leading-tab order number, '-' for empty and a trailing 总计 row.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent / "fixtures"

ORDERS = [
    (
        "SO202603150001",
        "2026-03-15 09:12",
        "王建华",
        "13800138000",
        "上海市浦东新区张江路88号",
        "BP-1001",
        2,
        "¥520.00",
        "已发货",
    ),
    (
        "SO202603150002",
        "2026/3/15 10:05",
        "李娜",
        "139****5678",
        "广东省广州市天河路1号",
        "OF-1003",
        5,
        "225",
        "交易成功",
    ),
    (
        "SO202603150003",
        "2026年3月15日 11:30",
        "张伟",
        "021-62345678",
        "北京市朝阳区建国路5号",
        "SP-1002",
        10,
        "¥380.00",
        "卖家已发货",
    ),
    (
        "SO202603160004",
        "46097.4375",
        "刘洋",
        "+86 137 0000 1111",
        "浙江省杭州市西湖区文三路9号",
        "TY-1004",
        4,
        "2,720.00",
        "等待发货",
    ),
    (
        "SO202603160005",
        "2026-03-16 14:00",
        "陈静",
        "13612345678",
        "江苏省南京市中山路2号",
        "BT-1001",
        1,
        "420",
        "交易成功",
    ),
    (
        "SO202603160006",
        "2026-03-16 15:45",
        "杨磊",
        "15800001234",
        "四川省成都市人民南路3号",
        "WB-1002",
        3,
        "¥255.00",
        "已签收",
    ),
    (
        "SO202603170007",
        "2026-03-17 08:20",
        "赵敏",
        "18612340000",
        "湖北省武汉市解放大道7号",
        "BP-1003",
        2,
        "¥498.00",
        "交易关闭",
    ),
    (
        "SO202603170008",
        "2026-03-17 09:00",
        "黄强",
        "13912345678",
        "山东省青岛市香港中路6号",
        "OF-1001",
        6,
        "270.00",
        "已发货",
    ),
    (
        "SO202603170009",
        "2026-03-17 16:30",
        "周杰",
        "13512340987",
        "福建省厦门市思明路4号",
        "SP-1005",
        8,
        "¥304.00",
        "交易成功",
    ),
    (
        "SO202603180010",
        "2026-03-18 10:10",
        "吴芳",
        "18888888888",
        "陕西省西安市长安路8号",
        "TY-1002",
        4,
        "2,560.00",
        "已发货",
    ),
    (
        "SO202603180011",
        "2026-03-18 11:11",
        "郑超",
        "17712345678",
        "重庆市渝中区解放碑1号",
        "BT-1004",
        1,
        "¥450.00",
        "等待发货",
    ),
    (
        "SO202603180012",
        "2026-03-18 13:40",
        "孙丽",
        "137****0001",
        "辽宁省沈阳市中街2号",
        "WB-1001",
        2,
        "170",
        "交易成功",
    ),
]


def write_xlsx(path: Path) -> None:
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("订单明细")
    bold = book.add_format({"bold": True, "align": "center", "valign": "vcenter"})
    sheet.merge_range(0, 0, 0, 8, "2026年3月订单汇总", bold)
    sheet.write(1, 0, "导出时间: 2026-03-19 09:00:00")
    # two-row header: 收货信息 spans three columns; the others span both rows
    for col, name in ((0, "订单号"), (1, "下单时间"), (5, "SKU"), (6, "数量"), (7, "金额"), (8, "订单状态")):
        sheet.merge_range(2, col, 3, col, name, bold)
    sheet.merge_range(2, 2, 2, 4, "收货信息", bold)
    for col, name in ((2, "收货人"), (3, "手机"), (4, "地址")):
        sheet.write(3, col, name, bold)
    row = 4
    for i, order in enumerate(ORDERS):
        if i == 6:
            row += 1  # a blank row in the middle, as hand-made summaries have
        for col, value in enumerate(order):
            sheet.write(row, col, value)
        row += 1
    sheet.write(row, 0, "合计")
    sheet.write(row, 6, sum(o[6] for o in ORDERS))
    book.close()


def write_gbk_csv(path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [
            "订单编号",
            "子订单编号 ",
            "买家昵称",
            "收件人手机号",
            "商品编码",
            "商品数量",
            "订单应付金额",
            "订单状态",
            "支付时间",
            "快递单号",
        ]
    )
    for i, o in enumerate(ORDERS[:8]):
        tracking = f'="7{i:011d}"' if o[8] in ("已发货", "交易成功", "已签收") else "-"
        writer.writerow(
            [
                f"\t{6900000000000000 + i}",
                f'="{6900000000000000 + i}1"',
                o[2],
                o[3],
                o[5],
                o[6],
                o[7].replace("¥", ""),
                o[8],
                o[1],
                tracking,
            ]
        )
    writer.writerow(["总计", "", "", "", "", sum(o[6] for o in ORDERS[:8]), "", "", "", ""])
    path.write_bytes(buffer.getvalue().encode("gbk"))


if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    write_xlsx(HERE / "订单汇总_合并表头.xlsx")
    write_gbk_csv(HERE / "抖店订单导出_GBK.csv")
