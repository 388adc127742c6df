"""What each platform's order API and export look like: paging, envelopes, field paths and status codes
(from ../shared/testdata/platforms/api_status_codes.json and export_layouts.json). Status codes map to
meanings (paid, shipped, …) that presets.py turns into the workspace's own states."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.registry import Registry

# Meanings a platform status can have; presets.py finds the workspace's state for each.
Meaning = str  # "unpaid" | "paid" | "shipped" | "signed" | "cancelled"


@dataclass(frozen=True)
class ApiSpec:
    """One platform's order-list API: where the orders are in a page, how to ask for the next page."""

    path: str
    items: tuple[str, ...]
    page_param: str
    first_page: int
    size_param: str
    since_param: str
    since_unix: bool  # 抖店/拼多多 take unix seconds, 淘宝/京东 text times
    modified: str  # the payload path of the order's last-modified time
    has_next: tuple[str, ...] = ()
    total: tuple[str, ...] = ()
    error: tuple[str, ...] = ()  # a path whose presence (or non-success value) means the call failed
    ok_values: tuple[Any, ...] = ()
    fields: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, Meaning] = field(default_factory=dict)
    key_prefix: str = ""
    cents: tuple[str, ...] = ()  # fields the API gives in fen
    product: str = ""  # the item's title: gift and lucky-bag words are found there
    presale_group: str = ""
    presale_part: str = ""
    presale_parts: dict[str, str] = field(default_factory=dict)
    # Token paging (视频号小店): the list gives order ids and a next_key, each order is read on its own; the
    # last next_key is the connector's cursor.
    token_param: str = ""
    next_token: tuple[str, ...] = ()
    detail_path: str = ""
    detail_id_param: str = ""
    detail_item: tuple[str, ...] = ()


TAOBAO = ApiSpec(
    path="/taobao/trades.sold.increment.get",
    items=("trades_sold_get_response", "trades", "trade"),
    page_param="page_no",
    first_page=1,
    size_param="page_size",
    since_param="start_modified",
    since_unix=False,
    modified="modified",
    has_next=("trades_sold_get_response", "has_next"),
    error=("error_response",),
    fields={
        "order_no": "tid_str",
        "status": "status",
        "customer_name": "receiver_name",
        "phone": "receiver_mobile",
        "province": "receiver_state",
        "city": "receiver_city",
        "address": "receiver_address",
        "sku": "orders.order[0].outer_sku_id",
        "qty": "orders.order[0].num",
        "unit_price": "orders.order[0].price",
        "ordered_at": "created",
        "paid_at": "pay_time",
        "remarks": "buyer_message",
    },
    statuses={
        "TRADE_NO_CREATE_PAY": "unpaid",
        "WAIT_BUYER_PAY": "unpaid",
        "WAIT_SELLER_SEND_GOODS": "paid",
        "SELLER_CONSIGNED_PART": "paid",
        "PAID_FORBID_CONSIGN": "paid",
        "WAIT_BUYER_CONFIRM_GOODS": "shipped",
        "TRADE_BUYER_SIGNED": "signed",
        "TRADE_FINISHED": "signed",
        "TRADE_CLOSED": "cancelled",
        "TRADE_CLOSED_BY_TAOBAO": "cancelled",
    },
    key_prefix="TB",
    product="orders.order[0].title",
    presale_group="presale_id",
    presale_part="presale_part",
    presale_parts={"deposit": "deposit", "balance": "balance"},
)

JD = ApiSpec(
    path="/jd/jingdong.pop.order.search",
    items=("jingdong_pop_order_search_responce", "searchorderinfo_result", "orderInfoList"),
    page_param="page",
    first_page=1,
    size_param="page_size",
    since_param="start_date",
    since_unix=False,
    modified="modified",
    total=("jingdong_pop_order_search_responce", "searchorderinfo_result", "orderTotal"),
    error=("jingdong_pop_order_search_responce", "code"),
    ok_values=("0",),
    fields={
        "order_no": "orderId",
        "status": "orderState",
        "customer_name": "consigneeInfo.fullname",
        "phone": "consigneeInfo.mobile",
        "province": "consigneeInfo.province",
        "city": "consigneeInfo.city",
        "address": "consigneeInfo.fullAddress",
        "sku": "itemInfoList[0].outerSkuId",
        "qty": "itemInfoList[0].itemTotal",
        "unit_price": "itemInfoList[0].jdPrice",
        "ordered_at": "orderStartTime",
        "paid_at": "paymentConfirmTime",
        "remarks": "orderRemark",
    },
    statuses={
        "WAIT_SELLER_STOCK_OUT": "paid",
        "WAIT_SELLER_DELIVERY": "paid",
        "LOCKED": "paid",
        "PAUSE": "paid",
        "POP_ORDER_PAUSE": "paid",
        "SEND_TO_DISTRIBUTION_CENER": "shipped",
        "DISTRIBUTION_CENTER_RECEIVED": "shipped",
        "WAIT_GOODS_RECEIVE_CONFIRM": "shipped",
        "RECEIPTS_CONFIRM": "signed",
        "FINISHED_L": "signed",
        "TRADE_CANCELED": "cancelled",
    },
    key_prefix="JD",
    product="itemInfoList[0].skuName",
)

DOUYIN = ApiSpec(
    path="/douyin/order/searchList",
    items=("data", "shop_order_list"),
    page_param="page",
    first_page=0,
    size_param="size",
    since_param="update_time_start",
    since_unix=True,
    modified="update_time",
    total=("data", "total"),
    error=("code",),
    ok_values=(10000,),
    fields={
        "order_no": "order_id",
        "status": "order_status",
        "customer_name": "mask_post_receiver",
        "phone": "mask_post_tel",
        "province": "mask_post_addr.province.name",
        "city": "mask_post_addr.city.name",
        "address": "mask_post_addr.detail",
        "sku": "sku_order_list[0].code",
        "qty": "sku_order_list[0].item_num",
        "unit_price": "sku_order_list[0].goods_price",
        "ordered_at": "create_time",
        "paid_at": "pay_time",
        "remarks": "buyer_words",
    },
    statuses={
        "1": "unpaid",
        "103": "unpaid",
        "105": "paid",
        "2": "paid",
        "101": "paid",
        "3": "shipped",
        "5": "signed",
        "4": "cancelled",
        "21": "cancelled",
        "22": "cancelled",
        "39": "cancelled",
    },
    key_prefix="DY",
    product="sku_order_list[0].product_name",
    cents=("unit_price",),
)

PDD = ApiSpec(
    path="/pdd/pdd.order.number.list.increment.get",
    items=("order_list_get_response", "order_list"),
    page_param="page",
    first_page=1,
    size_param="page_size",
    since_param="start_updated_at",
    since_unix=True,
    modified="updated_at",
    has_next=("order_list_get_response", "has_next"),
    error=("error_response",),
    fields={
        "order_no": "order_sn",
        "status": "order_status",
        "customer_name": "receiver_name",
        "phone": "receiver_phone",
        "province": "province",
        "city": "city",
        "address": "address",
        "sku": "item_list[0].outer_id",
        "qty": "item_list[0].goods_count",
        "unit_price": "item_list[0].goods_price",
        "ordered_at": "created_time",
        "paid_at": "pay_time",
        "remarks": "buyer_memo",
    },
    statuses={"1": "paid", "2": "shipped", "3": "signed"},
    key_prefix="PDD",
    product="item_list[0].goods_name",
    presale_group="presale_id",
    presale_part="trade_type",
    presale_parts={"1": "deposit", "0": "balance"},
)

WECHAT = ApiSpec(
    path="/wechat/channels/ec/order/list/get",
    items=("order_id_list",),
    page_param="",
    first_page=0,
    size_param="page_size",
    since_param="",
    since_unix=True,
    modified="update_time",
    has_next=("has_more",),
    error=("errcode",),
    ok_values=(0,),
    fields={
        "order_no": "order_id",
        "status": "status",
        "customer_name": "order_detail.delivery_info.address_info.user_name",
        "phone": "order_detail.delivery_info.address_info.tel_number",
        "province": "order_detail.delivery_info.address_info.province_name",
        "city": "order_detail.delivery_info.address_info.city_name",
        "address": "order_detail.delivery_info.address_info.detail_info",
        "sku": "order_detail.product_infos[0].sku_code",
        "qty": "order_detail.product_infos[0].sku_cnt",
        "unit_price": "order_detail.product_infos[0].sale_price",
        "ordered_at": "create_time",
        "paid_at": "order_detail.pay_info.pay_time",
        "remarks": "order_detail.ext_info.customer_notes",
    },
    statuses={
        "10": "unpaid",
        "12": "unpaid",
        "13": "unpaid",
        "20": "paid",
        "21": "paid",
        "30": "shipped",
        "100": "signed",
        "190": "cancelled",
        "200": "cancelled",
        "250": "cancelled",
    },
    key_prefix="SPH",
    product="order_detail.product_infos[0].title",
    cents=("unit_price",),
    token_param="next_key",  # noqa: S106 (a paging parameter, not a secret)
    next_token=("next_key",),
    detail_path="/wechat/channels/ec/order/get",
    detail_id_param="order_id",
    detail_item=("order",),
)

APIS: Registry[ApiSpec] = Registry(
    "platform API", {"taobao": TAOBAO, "jd": JD, "douyin": DOUYIN, "pdd": PDD, "wechat": WECHAT}
)

# Export files: the real column names (as in sample_data/platforms.py) and status wording.
EXPORT_STATUSES: dict[str, dict[str, Meaning]] = {
    "taobao": {
        "等待买家付款": "unpaid",
        "买家已付款，等待卖家发货": "paid",
        "卖家已发货，等待买家确认": "shipped",
        "交易成功": "signed",
        "交易关闭": "cancelled",
    },
    "jd": {
        "等待出库": "paid",
        "等待确认收货": "shipped",
        "完成": "signed",
        "已取消": "cancelled",
        "(删除)已取消": "cancelled",
    },
    "douyin": {
        "待支付": "unpaid",
        "待发货": "paid",
        "已发货": "shipped",
        "已完成": "signed",
        "已关闭": "cancelled",
    },
    "pdd": {"待发货": "paid", "已发货，待收货": "shipped", "已收货": "signed", "已取消": "cancelled"},
}

# Courier tracking states (快递100 state codes) and WMS/ERP feed wording.
LOGISTICS_STATUSES: dict[str, Meaning] = {
    "0": "shipped", "1": "shipped", "5": "shipped", "3": "signed", "在途": "shipped", "揽收": "shipped",
    "派件": "shipped", "签收": "signed", "已签收": "signed",
}  # fmt: skip
FEED_STATUSES: dict[str, Meaning] = {
    "OUTBOUND": "shipped", "SHIPPED": "shipped", "SIGNED": "signed", "DELIVERED": "signed", "CANCELLED": "cancelled",
    "已出库": "shipped", "已发货": "shipped", "已签收": "signed", "已取消": "cancelled", "待出库": "paid",
}  # fmt: skip


def dig(payload: Any, path: tuple[str, ...]) -> Any:
    """The value at a key path of a JSON payload (None where a step is missing)."""
    for step in path:
        if not isinstance(payload, dict) or step not in payload:
            return None
        payload = payload[step]
    return payload
