"""The sellers' back offices whose order exports we know, recognised from a file's header: which platform a
file comes from decides its channel (a Taobao export has no 渠道 column) and which of its columns mean what
when several look alike. Headers are those in ../shared/testdata/platforms/export_layouts.json.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from engine.importer.mapping import norm
from engine.registry import Registry


@dataclass(frozen=True)
class Platform:
    """One export layout: every header in `marks` is present in its files (normalised)."""

    name: str
    label: str
    channel: tuple[str, ...]  # words a channel option's value or label may be (taobao, 淘宝)
    marks: frozenset[str]
    rank: int = 0  # more specific layouts of one platform first (Taobao's item list before its order list)


def _p(name: str, label: str, channel: tuple[str, ...], marks: tuple[str, ...], rank: int = 0) -> Platform:
    return Platform(name, label, channel, frozenset(norm(m) for m in marks), rank)


PLATFORMS: Registry[Platform] = Registry(
    "export platform",
    {
        p.name: p
        for p in (
            _p(
                "taobao_items",
                "淘宝宝贝报表",
                ("taobao", "淘宝", "天猫"),
                ("订单编号", "标题", "购买数量", "商家编码"),
                2,
            ),
            _p(
                "taobao",
                "淘宝/天猫订单报表",
                ("taobao", "淘宝", "天猫"),
                ("订单编号", "买家会员名", "订单状态"),
                1,
            ),
            _p("tmall", "天猫订单报表", ("taobao", "天猫", "淘宝"), ("订单编号", "支付单号", "商品标题")),
            _p("taobao_qianniu", "千牛订单", ("taobao", "淘宝"), ("订单编号", "买家会员名", "宝贝标题")),
            _p("jd_settlement", "京东结算单", ("jd", "京东"), ("订单编号", "父单号", "应结金额"), 2),
            _p("jd", "京东订单", ("jd", "京东"), ("订单号", "京东价"), 1),
            _p("jd_legacy", "京东订单", ("jd", "京东"), ("订单号", "下单帐号", "客户姓名")),
            _p("douyin", "抖店订单", ("douyin", "抖音", "抖店"), ("主订单编号", "子订单编号", "选购商品")),
            _p("pdd", "拼多多订单", ("pdd", "拼多多"), ("订单号", "商品总价(元)", "商家实收金额(元)")),
            _p("pdd_short", "拼多多订单", ("pdd", "拼多多"), ("订单号", "商品id", "商家编码-规格维度")),
            _p(
                "youzan",
                "有赞订单",
                ("youzan", "有赞", "wechat", "微信"),
                ("订单号", "归属店铺", "订单实付金额"),
            ),
            _p(
                "youzan_items",
                "有赞商品订单",
                ("youzan", "有赞", "wechat", "微信"),
                ("订单号", "订单商品状态", "商品编码"),
            ),
            _p(
                "alibaba_1688", "1688 订单", ("1688", "阿里巴巴", "alibaba"), ("订单号", "货品标题", "实付款")
            ),
            _p(
                "tiktok",
                "TikTok Shop orders",
                ("tiktok", "抖音国际"),
                ("Order ID", "Seller SKU", "Order Status"),
            ),
        )
    },
)


@dataclass(frozen=True)
class Pair:
    """An order list and its item list, by their platform names, joined on the order number."""

    orders: str
    items: str
    key: str  # the order-number header both files carry
    label: str


PAIRS: Registry[Pair] = Registry(
    "file pair",
    {
        p.items: p
        for p in (
            Pair("taobao", "taobao_items", "订单编号", "淘宝订单报表 + 宝贝报表"),
            Pair("youzan", "youzan_items", "订单号", "有赞订单 + 商品订单"),
        )
    },
)


def recognise(columns: list[str]) -> Platform | None:
    """The platform whose marks a header carries (the most specific layout when several fit); an order list
    joined with its item list is the order list, labelled as the pair."""
    have = {norm(c) for c in columns}
    fits = [p for p in PLATFORMS.values() if p.marks <= have]
    if not fits:
        return None
    best = max(fits, key=lambda p: (len(p.marks), p.rank))
    pair = PAIRS.get(best.name)
    if pair is not None and PLATFORMS[pair.orders] in fits:
        return replace(PLATFORMS[pair.orders], label=pair.label)
    return best


def channel_option(platform: Platform, options: list[tuple[str, str]]) -> str | None:
    """The channel option (value, label) a platform's files belong to, by its words; None when none fits."""
    for word in platform.channel:
        for value, label in options:
            if norm(word) in (norm(value), norm(label)):
                return value
    return None
