"""Every order export layout of ../shared/testdata/platforms/export_layouts.json, written as the back offices
write it: the exact header (trailing spaces and duplicate names included), the platform's status words,
its number protection (="…", a leading tab), masked phones, placeholders, second status columns (售后状态)
and combined cells (快递信息 SF…-顺丰速运). Each layout also says what must land from each order.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sample_data.corpus.truth import CARRIERS, Order


def _t(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S") if at else ""


def _m(value: Decimal) -> str:
    return f"{value:.2f}"


def _mask(phone: str, style: str = "middle") -> str:
    """A phone as platforms mask it: 138****2222, 1******6198, *******6198, 186******05."""
    return {
        "middle": phone[:3] + "****" + phone[-4:],
        "jd": phone[0] + "******" + phone[-4:],
        "stars": "*******" + phone[-4:],
        "youzan": phone[:3] + "******" + phone[-2:],
    }[style]


@dataclass(frozen=True)
class Layout:
    """One export layout: its columns, how each is written from an order, and the fields that must land."""

    name: str
    platform: str  # the channel option its orders belong to ("" when the templates have none)
    columns: tuple[str, ...]
    row: Callable[[Order], dict[str, Any]]
    expect: Callable[[Order], dict[str, Any]]
    formats: tuple[str, ...] = ("csv", "xlsx")
    encoding: str = "utf-8-sig"
    id_style: str = "taobao"
    quirks: frozenset[str] = field(default_factory=frozenset)
    orders_of: str | None = None  # the layout whose orders these are (宝贝报表: its order list's)


TAOBAO_STATUS = {
    "placed": "等待买家付款",
    "picking": "买家已付款，等待卖家发货",
    "shipped": "卖家已发货，等待买家确认",
    "signed": "交易成功",
    "cancelled": "交易关闭",
    "refunded": "交易关闭",
}
JD_STATUS = {
    "placed": "等待付款",
    "picking": "等待出库",
    "shipped": "等待确认收货",
    "signed": "完成",
    "cancelled": "取消",
    "refunded": "取消",
}
DOUYIN_STATUS = {
    "placed": "待支付",
    "picking": "待发货",
    "shipped": "已发货",
    "signed": "已完成",
    "cancelled": "已关闭",
    "refunded": "已完成",
}
PDD_STATUS = {
    "placed": "待支付",
    "picking": "待发货",
    "shipped": "已发货，待签收",
    "signed": "已签收",
    "cancelled": "已取消",
    "refunded": "已签收",
}
YOUZAN_STATUS = {
    "placed": "待付款",
    "picking": "待发货",
    "shipped": "已发货",
    "signed": "交易完成",
    "cancelled": "已关闭",
    "refunded": "交易完成",
}
TIKTOK_STATUS = {
    "placed": "Unpaid",
    "picking": "Awaiting shipment",
    "shipped": "In transit",
    "signed": "Delivered",
    "cancelled": "Cancelled",
    "refunded": "Delivered",
}


def _core(o: Order, channel: str, **extra: Any) -> dict[str, Any]:
    """The fields every order export carries: key, state, channel, and the times it gives."""
    return {"order_no": o.order_id, "status": o.meaning, "channel": channel or None, **extra}


def _times(o: Order, *names: str) -> dict[str, Any]:
    return {n: getattr(o, n) for n in names}


def _refund(o: Order) -> str:
    return "退款成功" if o.state == "refunded" else "-"


TAOBAO_LIST_2017 = (
    "订单编号", "买家会员名", "买家支付宝账号", "买家应付货款", "买家应付邮费", "买家支付积分", "总金额", "返点积分",
    "买家实际支付金额", "买家实际支付积分", "订单状态", "买家留言", "收货人姓名", "收货地址 ", "运送方式", "联系电话 ",
    "联系手机", "订单创建时间", "订单付款时间 ", "宝贝标题 ", "宝贝种类 ", "物流单号 ", "物流公司", "订单备注", "宝贝总数量",
    "店铺Id", "店铺名称", "订单关闭原因", "卖家服务费", "买家服务费", "发票抬头", "是否手机订单", "分阶段订单信息",
    "特权订金订单id", "是否上传合同照片", "是否上传小票", "是否代付", "定金排名", "修改后的sku", "修改后的收货地址",
    "异常信息", "天猫卡券抵扣", "集分宝抵扣", "是否是O2O交易", "退款金额", "预约门店",
)  # fmt: skip
TAOBAO_LIST_2020 = (
    *TAOBAO_LIST_2017[:3], "支付单号", "支付详情", *TAOBAO_LIST_2017[3:44], "新零售交易类型", "新零售导购门店名称",
    "新零售导购门店id", "新零售发货门店名称", "新零售发货门店id", "退款金额", "预约门店", "确认收货时间", "打款商家金额",
    "含应开票给个人的个人红包", "是否信用购", "体验期结束时间", "前N有礼", "配送类型", "主订单编号",
)  # fmt: skip
TAOBAO_ITEMS = (
    "订单编号",
    "标题",
    "价格",
    "购买数量",
    "外部系统编号",
    "商品属性",
    "套餐信息",
    "备注",
    "订单状态",
    "商家编码",
)


def _taobao_list(o: Order) -> dict[str, Any]:
    refunded = o.total if o.state == "refunded" else Decimal(0)
    return {
        "订单编号": f'="{o.order_id}"',
        "买家会员名": o.buyer,
        "买家应付货款": _m(o.total),
        "买家应付邮费": _m(o.postage),
        "总金额": _m(o.paid),
        "买家实际支付金额": _m(o.paid) if o.paid_at else "0.00",
        "订单状态": TAOBAO_STATUS[o.state],
        "买家留言": o.remark,
        "收货人姓名": o.name,
        "收货地址 ": o.street,
        "运送方式": "快递",
        "联系电话 ": "",
        "联系手机": f"'{_mask(o.phone)}",
        "订单创建时间": _t(o.ordered_at),
        "订单付款时间 ": _t(o.paid_at),
        "宝贝标题 ": o.title,
        "宝贝种类 ": "1",
        "物流单号 ": f"No:{o.tracking}" if o.tracking else "",
        "物流公司": CARRIERS.get(o.carrier or "", ""),
        "宝贝总数量": str(o.qty),
        "店铺Id": "0",
        "店铺名称": "家居生活旗舰店",
        "订单关闭原因": "买家申请退款"
        if o.state == "refunded"
        else ("未付款关闭" if o.state == "cancelled" else ""),
        "退款金额": _m(refunded),
        "确认收货时间": _t(o.signed_at),
        "主订单编号": o.order_id,
    }


def _taobao_list_expect(o: Order) -> dict[str, Any]:
    return _core(
        o,
        "taobao",
        customer_name=o.name,
        phone=_mask(o.phone),
        address=o.street,
        qty=o.qty,
        tracking_no=o.tracking,
        carrier=o.carrier,
        remarks=o.remark or None,
        **_times(o, "ordered_at", "paid_at"),
    )


def _taobao_items(o: Order) -> dict[str, Any]:
    return {
        "订单编号": f'="{o.order_id}"',
        "标题": o.title,
        "价格": _m(o.price),
        "购买数量": str(o.qty),
        "商品属性": o.spec,
        "订单状态": TAOBAO_STATUS[o.state],
        "商家编码": o.sku,
    }


def _items_expect(o: Order, channel: str) -> dict[str, Any]:
    return _core(o, channel, sku=o.sku, qty=o.qty, unit_price=o.price)


JD_LEGACY = (
    "订单号", "商品ID", "商品名称", "订购数量", "支付方式", "下单时间", "京东价", "订单金额", "结算金额", "余额支付",
    "应付金额", "订单状态", "订单类型", "下单帐号", "客户姓名", "客户地址", "联系电话", "订单备注", "发票类型", "发票抬头",
    "发票内容", "商家备注", "商家备注等级（等级1-5为由高到低）", "运费金额", "付款确认时间", "增值税发票", "货号",
    "订单完成时间", "订单来源", "订单渠道", "送装服务", "服务费", "仓库id", "仓库名称", "普通发票纳税编号", "商家SKUID",
)  # fmt: skip
JD_NEWER = (
    "订单号",
    "商品名称",
    "订购数量",
    "下单时间",
    "订单金额",
    "商家应收",
    "订单状态",
    "客户姓名",
    "客户地址",
    "联系电话",
    "京东价",
)


def _jd(o: Order, deleted: bool = False) -> dict[str, Any]:
    status = JD_STATUS[o.state]
    return {
        "订单号": o.order_id,
        "商品ID": str(10_000_000 + zlib.crc32(o.sku.encode()) % 10**7),
        "商品名称": o.title,
        "订购数量": str(o.qty),
        "支付方式": "在线支付",
        "下单时间": _t(o.ordered_at),
        "京东价": _m(o.price),
        "订单金额": _m(o.paid),
        "结算金额": _m(o.paid),
        "应付金额": _m(o.paid),
        "订单状态": f"(删除){status}" if deleted else status,
        "订单类型": "销售订单",
        "下单帐号": o.buyer,
        "客户姓名": o.name,
        "客户地址": o.street,
        "联系电话": _mask(o.phone, "jd"),
        "订单备注": o.remark,
        "商家备注": "",
        "运费金额": _m(o.postage),
        "付款确认时间": _t(o.paid_at),
        "货号": o.sku,
        "订单完成时间": _t(o.signed_at),
        "订单来源": "移动端订单",
        "订单渠道": "暂无来源",
        "商家应收": f"{_m(o.paid)}（系统计算中，该值仅供参考）",
        "商家SKUID": o.sku,
    }


def _jd_expect(o: Order, legacy: bool) -> dict[str, Any]:
    out = _core(
        o,
        "jd",
        customer_name=o.name,
        phone=_mask(o.phone, "jd"),
        address=o.street,
        qty=o.qty,
        unit_price=o.price,
        ordered_at=o.ordered_at,
    )
    if legacy:
        out |= {"sku": o.sku, "paid_at": o.paid_at, "signed_at": o.signed_at}
    return out


JD_SETTLEMENT = (
    "订单编号", "父单号", "订单状态", "订单下单时间", "订单完成时间", "售后服务单号", "售后退款时间", "商品编号", "商品名称",
    "商品数量", "扣点类型", "佣金比例", "费用名称", "应结金额", "币种", "收支方向", "结算状态", "预计结算时间", "账单生成时间",
    "到账时间", "商户订单号", "资金动账备注",
)  # fmt: skip


def _jd_settlement(o: Order) -> dict[str, Any]:
    return {
        "订单编号": o.order_id,
        "父单号": "",
        "订单状态": JD_STATUS[o.state],
        "订单下单时间": _t(o.ordered_at),
        "订单完成时间": _t(o.signed_at),
        "商品编号": o.sku,
        "商品名称": o.title,
        "商品数量": str(o.qty),
        "费用名称": "货款",
        "应结金额": _m(o.total),
        "币种": "人民币",
        "收支方向": "收入",
        "结算状态": "已结算",
    }


DOUYIN = (
    "主订单编号", "子订单编号", "选购商品", "商品规格", "商品数量", "商品ID", "商家编码", "商品单价", "订单应付金额", "运费",
    "优惠总金额", "平台优惠", "商家优惠", "达人优惠", "商家改价", "支付优惠", "红包抵扣", "手续费", "降价类优惠",
    "平台实际承担优惠金额", "商家实际承担优惠金额", "达人实际承担优惠金额", "支付方式", "收件人", "收件人手机号", "省", "市",
    "区", "街道", "详细地址", "是否修改过地址", "买家留言", "订单提交时间", "旗帜颜色", "商家备注", "订单完成时间",
    "支付完成时间", "APP渠道", "流量来源", "订单状态", "订单类型", "鲁班落地页ID", "达人ID", "达人昵称", "所属门店ID",
    "售后状态", "取消原因", "承诺发货时间", "预约发货时间", "发货时间", "预计送达时间", "预约送达时间", "建议发货时间（起）",
    "建议发货时间（止）", "仓库ID", "仓库名称", "是否安心购", "广告渠道", "流量类型", "流量体裁", "流量渠道", "发货主体",
    "发货主体明细", "是否平台仓自流转", "车型", "快递信息", "商品金额", "货号",
)  # fmt: skip


def _douyin(o: Order) -> dict[str, Any]:
    return {
        "主订单编号": f"\t{o.order_id}",
        "子订单编号": f"\t{o.sub_id}",
        "选购商品": o.title,
        "商品规格": o.spec,
        "商品数量": str(o.qty),
        "商品ID": "3" + o.sub_id[:18],
        "商家编码": o.sku,
        "商品单价": _m(o.price),
        "订单应付金额": _m(o.paid),
        "运费": _m(o.postage),
        "支付方式": "抖音支付",
        "收件人": o.name[0] + "*",
        "收件人手机号": _mask(o.phone),
        "省": o.province,
        "市": o.city,
        "区": o.district,
        "详细地址": o.street,
        "买家留言": o.remark or "-",
        "订单提交时间": _t(o.ordered_at),
        "订单完成时间": _t(o.signed_at),
        "支付完成时间": _t(o.paid_at),
        "订单状态": DOUYIN_STATUS[o.state],
        "售后状态": _refund(o),
        "发货时间": _t(o.shipped_at),
        "快递信息": f"{o.tracking}-{CARRIERS[o.carrier]}" if o.tracking and o.carrier else "",
        "商品金额": _m(o.total),
        "货号": o.sku,
    }


def _douyin_expect(o: Order) -> dict[str, Any]:
    return _core(
        o,
        "douyin",
        customer_name=o.name[0] + "*",
        phone=_mask(o.phone),
        sku=o.sku,
        qty=o.qty,
        unit_price=o.price,
        province=o.province,
        city=o.city,
        tracking_no=o.tracking,
        carrier=o.carrier,
        **_times(o, "ordered_at", "paid_at", "shipped_at", "signed_at"),
    )


PDD = (
    "订单成交时间", "商品", "订单号", "订单状态", "商品总价(元)", "邮费(元)", "店铺优惠折扣(元)", "平台优惠折扣(元)",
    "多多支付立减金额(元)", "用户实付金额(元)", "商家实收金额(元)", "商品数量(件)", "发货时间", "确认收货时间", "商品id",
    "商品规格", "样式ID", "商家编码-规格维度", "商家编码-商品维度", "商家备注", "售后状态", "快递单号", "快递公司",
    "支付时间", "收货人", "手机", "省", "市", "区",
)  # fmt: skip


def _pdd(o: Order) -> dict[str, Any]:
    return {
        # A few exports leave the deal time empty: the order number still carries the date.
        "订单成交时间": _t(o.ordered_at) if int(o.order_id[-1]) % 4 else "",
        "商品": o.title,
        "订单号": o.order_id,
        "订单状态": PDD_STATUS[o.state],
        "商品总价(元)": _m(o.total),
        "邮费(元)": _m(o.postage),
        "店铺优惠折扣(元)": "0",
        "平台优惠折扣(元)": "0",
        "用户实付金额(元)": _m(o.paid),
        "商家实收金额(元)": _m(o.paid),
        "商品数量(件)": str(o.qty),
        "发货时间": _t(o.shipped_at),
        "确认收货时间": _t(o.signed_at),
        "商品id": str(300_000_000 + zlib.crc32(o.sku.encode()) % 10**8),
        "商品规格": o.spec if o.spec != "无规格" else "无规格",
        "商家编码-规格维度": o.sku,
        "售后状态": "退款成功" if o.state == "refunded" else "无售后或售后取消",
        "快递单号": o.tracking or "",
        "快递公司": CARRIERS.get(o.carrier or "", ""),
        "支付时间": _t(o.paid_at),
        "收货人": o.name,
        "手机": _mask(o.phone),
        "省": o.province,
        "市": o.city,
        "区": o.district,
    }


def _pdd_expect(o: Order) -> dict[str, Any]:
    return _core(
        o,
        "pdd",
        customer_name=o.name,
        phone=_mask(o.phone),
        sku=o.sku,
        qty=o.qty,
        unit_price=o.price,
        province=o.province,
        city=o.city,
        tracking_no=o.tracking,
        carrier=o.carrier,
        **_times(o, "paid_at", "shipped_at", "signed_at"),
    )


YOUZAN = (
    "订单号", "销售渠道", "归属店铺", "订单类型", "订单状态", "推广方式", "订单来源", "订单创建时间", "买家付款时间",
    "交易成功时间", "付款方式", "支付流水号", "商品金额合计", "运费", "店铺优惠合计", "应收订单金额", "订单实付金额",
    "支付优惠合计", "订单实收金额", "订单抵用积分数", "店铺优惠方式", "支付优惠方式", "全部商品名称", "商品种类数",
    "订单配送方式", "同城送达时间/提货时间", "收货人省份", "收货人城市", "收货人地区", "详细收货地址/提货地址",
    "收货人/提货人", "收货人手机号/提货人手机号", "买家备注", "订单星级", "买家昵称", "买家是否会员", "买家手机号",
    "下单网点", "收银员", "分销员", "销售导购", "专属导购", "订单退款状态", "订单已退款金额", "商家订单备注", "桌号",
    "挂账主体", "挂账手机号", "团长订单", "订单风险标签", "分销员", "分销员手机号", "分销员所属店铺", "分销员所属团队",
    "分销员所属分组", "分销员等级", "订单佣金类型", "订单佣金金额", "订单下级卖货提成类型", "订单下级卖货提成金额",
)  # fmt: skip


def _youzan(o: Order) -> dict[str, Any]:
    return {
        "订单号": o.order_id,
        "销售渠道": "微商城",
        "归属店铺": "家居生活馆",
        "订单类型": "普通订单",
        "订单状态": YOUZAN_STATUS[o.state],
        "订单创建时间": _t(o.ordered_at),
        "买家付款时间": _t(o.paid_at) or "——",
        "交易成功时间": _t(o.signed_at) or " ",
        "付款方式": "微信支付",
        "商品金额合计": _m(o.total),
        "运费": _m(o.postage),
        "订单实付金额": _m(o.paid),
        "全部商品名称": o.title,
        "商品种类数": "1",
        "订单配送方式": "快递发货",
        "收货人省份": o.province,
        "收货人城市": o.city,
        "收货人地区": o.district,
        "详细收货地址/提货地址": o.street,
        "收货人/提货人": o.name,
        "收货人手机号/提货人手机号": _mask(o.phone, "youzan"),
        "买家备注": o.remark or "——",
        "买家昵称": o.buyer,
        "买家手机号": _mask(o.phone, "youzan"),
        "订单退款状态": "退款成功" if o.state == "refunded" else "——",
        "分销员": "——",
    }


def _youzan_expect(o: Order) -> dict[str, Any]:
    return _core(
        o,
        "wechat",
        customer_name=o.name,
        phone=_mask(o.phone, "youzan"),
        province=o.province,
        city=o.city,
        remarks=o.remark or None,
        **_times(o, "ordered_at", "paid_at", "signed_at"),
    )


ALIBABA = (
    "订单号",
    "下单时间",
    "物流公司",
    "实付款",
    "运单号",
    "买家",
    "收货地址",
    "货品标题",
    "规格",
    "数量",
    "退款状态",
    "订单状态",
)


def _alibaba(o: Order) -> dict[str, Any]:
    return {
        "订单号": o.order_id,
        "下单时间": _t(o.ordered_at),
        "物流公司": CARRIERS.get(o.carrier or "", ""),
        "实付款": _m(o.paid),
        "运单号": o.tracking or "",
        "买家": o.name,
        "收货地址": o.street,
        "货品标题": o.title,
        "规格": o.spec,
        "数量": str(o.qty),
        "退款状态": "退款成功" if o.state == "refunded" else "",
        "订单状态": TAOBAO_STATUS[o.state],
    }


def _alibaba_expect(o: Order) -> dict[str, Any]:
    return _core(
        o, "", customer_name=o.name, address=o.street, qty=o.qty, tracking_no=o.tracking, carrier=o.carrier,
        ordered_at=o.ordered_at,
    )  # fmt: skip


TIKTOK = (
    "Order ID", "Order Status", "Order Substatus", "Cancelation/Return Type", "Normal or Pre-order", "SKU ID", "Seller SKU",
    "Product Name", "Variation", "Quantity", "Sku Quantity of return", "SKU Unit Original Price",
    "SKU Subtotal Before Discount", "SKU Platform Discount", "SKU Seller Discount", "SKU Subtotal After Discount",
    "Shipping Fee After Discount", "Original Shipping Fee", "Shipping Fee Seller Discount",
    "Shipping Fee Platform Discount", "Payment platform discount", "Retail Delivery Fee", "Taxes", "Order Amount",
    "Order Refund Amount", "Created Time", "Paid Time", "RTS Time", "Shipped Time", "Delivered Time", "Cancelled Time",
    "Cancel By", "Cancel Reason", "Fulfillment Type", "Warehouse Name", "Tracking ID", "Delivery Option Type",
    "Delivery Option", "Shipping Provider Name", "Buyer Message", "Buyer Username", "Recipient", "Phone #", "Country",
    "State", "City", "Zipcode", "Detail Address", "Additional address information", "House Name or Number",
    "Delivery Instruction", "Payment Method", "Weight(kg)", "Product Category", "Package ID", "Seller Note",
    "Shipping Information",
)  # fmt: skip


def _us(at: datetime | None) -> str:
    return at.strftime("%m/%d/%Y %I:%M:%S %p") if at else ""


def _tiktok(o: Order) -> dict[str, Any]:
    return {
        "Order ID": o.order_id,
        "Order Status": TIKTOK_STATUS[o.state],
        "Cancelation/Return Type": "Return/Refund" if o.state == "refunded" else "",
        "Normal or Pre-order": "Normal",
        "Seller SKU": o.sku,
        "Product Name": o.title,
        "Variation": o.spec,
        "Quantity": str(o.qty),
        "SKU Unit Original Price": _m(o.price),
        "Order Amount": _m(o.paid),
        "Created Time": _us(o.ordered_at),
        "Paid Time": _us(o.paid_at),
        "Shipped Time": _us(o.shipped_at),
        "Delivered Time": _us(o.signed_at),
        "Tracking ID": o.tracking or "",
        "Recipient": o.name,
        "Phone #": "(+1)213*****" + o.phone[-2:],
        "Country": "United States",
        "Detail Address": o.street,
    }


def _tiktok_expect(o: Order) -> dict[str, Any]:
    return _core(
        o, "", sku=o.sku, qty=o.qty, unit_price=o.price, customer_name=o.name, tracking_no=o.tracking
    )


TMALL_NEWER = (
    "订单编号",
    "支付单号",
    "买家应付货款",
    "总金额",
    "订单状态",
    "收货地址",
    "订单创建时间",
    "商品标题",
)
QIANNIU = (
    "订单编号", "买家下单时间", "买家付款时间", "发货时间", "确认收货时间", "物流公司", "买家实付金额", "运单号", "买家会员名",
    "联系手机", "收货地址", "宝贝标题", "宝贝规格", "宝贝总数量", "订单状态",
)  # fmt: skip


def _tmall(o: Order) -> dict[str, Any]:
    # 收货地址 holds the receiver too: "周强，86-13900000004，江苏省 扬州市 广陵区 示例地址 ，"
    return {
        "订单编号": o.order_id,
        "支付单号": "2025" + o.sub_id[:24],
        "买家应付货款": _m(o.total),
        "总金额": _m(o.paid),
        "订单状态": TAOBAO_STATUS[o.state],
        "收货地址": f"{o.name}，86-{o.phone}，{o.street} ，",
        "订单创建时间": _t(o.ordered_at),
        "商品标题": o.title,
    }


def _tmall_expect(o: Order) -> dict[str, Any]:
    return _core(o, "taobao", customer_name=o.name, phone=o.phone, address=o.street, ordered_at=o.ordered_at)


def _qianniu(o: Order) -> dict[str, Any]:
    return {
        "订单编号": o.order_id,
        "买家下单时间": _t(o.ordered_at),
        "买家付款时间": _t(o.paid_at),
        "发货时间": _t(o.shipped_at),
        "确认收货时间": _t(o.signed_at),
        "物流公司": CARRIERS.get(o.carrier or "", ""),
        "买家实付金额": _m(o.paid),
        "运单号": o.tracking or "",
        "买家会员名": o.buyer,
        "联系手机": _mask(o.phone),
        "收货地址": o.street,
        "宝贝标题": o.title,
        "宝贝规格": o.spec,
        "宝贝总数量": str(o.qty),
        "订单状态": TAOBAO_STATUS[o.state],
    }


def _qianniu_expect(o: Order) -> dict[str, Any]:
    return _core(
        o, "taobao", phone=_mask(o.phone), address=o.street, qty=o.qty, carrier=o.carrier, tracking_no=o.tracking,
        **_times(o, "ordered_at", "paid_at", "shipped_at", "signed_at"),
    )  # fmt: skip


def _settlement_expect(o: Order) -> dict[str, Any]:
    return {k: v for k, v in _items_expect(o, "jd").items() if k != "unit_price"}  # 应结金额 is a line total


LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (
        Layout("taobao_list_2017", "taobao", TAOBAO_LIST_2017, _taobao_list, _taobao_list_expect, ("csv",), "gbk"),
        Layout("taobao_list_2020", "taobao", TAOBAO_LIST_2020, _taobao_list, _taobao_list_expect),
        Layout("taobao_items", "taobao", TAOBAO_ITEMS, _taobao_items, lambda o: _items_expect(o, "taobao"), ("csv",),
               "gbk", quirks=frozenset({"trailing_comma"}), orders_of="taobao_list_2017"),
        Layout("tmall_newer", "taobao", TMALL_NEWER, _tmall, _tmall_expect, ("xlsx",)),
        Layout("taobao_qianniu", "taobao", QIANNIU, _qianniu, _qianniu_expect, ("xlsx", "csv")),
        Layout("jd_legacy", "jd", JD_LEGACY, _jd, lambda o: _jd_expect(o, True), ("csv",), "gbk", "jd",
               quirks=frozenset({"deleted_prefix"})),
        Layout("jd_newer", "jd", JD_NEWER, _jd, lambda o: _jd_expect(o, False), ("xlsx", "csv"), id_style="jd"),
        Layout("jd_settlement", "jd", JD_SETTLEMENT, _jd_settlement, _settlement_expect, id_style="jd"),
        Layout("douyin", "douyin", DOUYIN, _douyin, _douyin_expect, id_style="douyin"),
        Layout("pdd", "pdd", PDD, _pdd, _pdd_expect, id_style="pdd"),
        Layout("youzan", "wechat", YOUZAN, _youzan, _youzan_expect, id_style="youzan"),
        Layout("alibaba_1688", "", ALIBABA, _alibaba, _alibaba_expect),
        Layout("tiktok", "", TIKTOK, _tiktok, _tiktok_expect, id_style="tiktok", quirks=frozenset({"description_row"})),
    )
}  # fmt: skip
