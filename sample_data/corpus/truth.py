"""The orders behind every export of the corpus: what really happened (buyer, item, amounts, times, state),
deterministic from a seed, so each written file can be checked value for value after import."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

CARRIERS = {
    "sf": "顺丰速运",
    "zto": "中通快递",
    "yto": "圆通速递",
    "yunda": "韵达快递",
    "sto": "申通快递",
    "jdl": "京东快递",
}
PLACES = (
    ("浙江省", "杭州市", "西湖区", "文三路"),
    ("江苏省", "扬州市", "广陵区", "文昌中路"),
    ("广东省", "深圳市", "南山区", "科技园南路"),
    ("上海市", "上海市", "浦东新区", "张杨路"),
    ("四川省", "成都市", "武侯区", "人民南路"),
    ("山东省", "青岛市", "市南区", "香港中路"),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("建国", "秀英", "伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛")
ITEMS = (
    # merchant code, title, spec, price
    ("BP-1001", "北欧风 加厚 收纳盒 大号", "颜色分类:米白;尺寸:大号", "39.90"),
    ("OF-1003", "人体工学 办公椅 网布 可躺", "颜色分类:黑色", "699.00"),
    ("SP-1002", "不锈钢 保温杯 500ml", "容量:500ml;颜色:银色", "89.00"),
    ("6917926768823643751", "纯棉 四件套 1.8m床", "规格:1.8m床;花色:灰格", "259.00"),
    ("TY-1004", "led 护眼台灯 学生 宿舍", "无规格", "129.00"),
    ("A100", "硅藻泥 浴室 脚垫", "尺寸:40x60", "45.50"),
    ("WB-1002", "加厚 垃圾袋 点断式 5卷", "5卷装", "12.80"),
    ("880012", "陶瓷 餐具 套装 16件", "16件套", "168.00"),
)
# The states an order can end in, with how often (placed = not paid yet).
STATES = (("signed", 5), ("shipped", 3), ("picking", 2), ("placed", 1), ("cancelled", 1), ("refunded", 1))


@dataclass(frozen=True)
class Order:
    """One single-item order line as it happened."""

    order_id: str
    sub_id: str
    buyer: str
    name: str
    phone: str
    province: str
    city: str
    district: str
    street: str
    sku: str
    title: str
    spec: str
    qty: int
    price: Decimal
    postage: Decimal
    state: (
        str  # placed | picking | shipped | signed | cancelled | refunded (signed or shipped, then refunded)
    )
    ordered_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    signed_at: datetime | None
    carrier: str | None
    tracking: str | None
    remark: str

    @property
    def total(self) -> Decimal:
        return self.price * self.qty

    @property
    def paid(self) -> Decimal:
        return self.total + self.postage

    @property
    def address(self) -> str:
        return f"{self.street}"

    @property
    def meaning(self) -> str:
        """What its status means (engine.flow.meanings): a refunded order is cancelled."""
        return {"placed": "unpaid", "picking": "paid", "refunded": "cancelled"}.get(self.state, self.state)


def orders(seed: int, n: int, start: datetime, id_style: str) -> list[Order]:
    """`n` orders from `start` on, with order numbers in the platform's style."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        code, title, spec, price = ITEMS[rng.randrange(len(ITEMS))]
        province, city, district, road = PLACES[rng.randrange(len(PLACES))]
        # Every file has every state (a refunded order included), then the usual mix.
        state = (
            STATES[i][0]
            if i < len(STATES)
            else rng.choices([s for s, _ in STATES], [w for _, w in STATES])[0]
        )
        ordered = start + timedelta(hours=7 * i, minutes=rng.randrange(60), seconds=rng.randrange(60))
        paid = ordered + timedelta(minutes=rng.randrange(2, 50)) if state != "placed" else None
        if state == "cancelled" and rng.random() < 0.5:
            paid = None  # closed before payment
        shipped = (
            paid + timedelta(hours=rng.randrange(3, 40))
            if state in ("shipped", "signed", "refunded") and paid
            else None
        )
        signed = (
            shipped + timedelta(days=rng.randrange(1, 4))
            if state in ("signed", "refunded") and shipped
            else None
        )
        carrier = rng.choice(("sf", "zto", "yto", "yunda", "sto")) if shipped else None
        name = SURNAMES[rng.randrange(len(SURNAMES))] + GIVEN[rng.randrange(len(GIVEN))]
        out.append(
            Order(
                order_id=_order_id(id_style, rng, ordered, i),
                sub_id=str(4_900_000_000_000_000_000 + rng.randrange(10**17)),
                buyer=f"tb{rng.randrange(10**6, 10**7)}",
                name=name,
                phone=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
                province=province,
                city=city,
                district=district,
                street=f"{province} {city} {district} {road}{rng.randrange(1, 300)}号",
                sku=code,
                title=title,
                spec=spec,
                qty=rng.choice((1, 1, 1, 2, 3, 5)),
                price=Decimal(price),
                postage=Decimal("0.00") if rng.random() < 0.7 else Decimal("8.00"),
                state=state,
                ordered_at=ordered,
                paid_at=paid,
                shipped_at=shipped,
                signed_at=signed,
                carrier=carrier,
                tracking=f"{carrier.upper()}{rng.randrange(10**11, 10**12)}" if carrier else None,
                remark=rng.choice(("", "", "周末送货", "请尽快发货 🙏", "不要放快递柜")),
            )
        )
    return out


def _order_id(style: str, rng: random.Random, at: datetime, i: int) -> str:
    if style == "pdd":  # YYMMDD-15 digits: the date is in the number
        return f"{at:%y%m%d}-{rng.randrange(10**14, 10**15)}"
    if style == "jd":
        return str(20_000_000_000 + rng.randrange(10**10))
    if style == "douyin":
        return str(6_900_000_000_000_000_000 + rng.randrange(10**17))
    if style == "youzan":
        return f"E{at:%Y%m%d%H%M%S}{rng.randrange(10**8):08d}"
    if style == "tiktok":
        return str(576_000_000_000_000_000 + rng.randrange(10**15))
    return str(1_900_000_000_000_000_000 + i * 7919 + rng.randrange(1000))  # Taobao: 19 digits
