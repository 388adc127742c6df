"""Word lists the generator draws from: names, places, products per template. Data, no logic."""

from __future__ import annotations

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华飞玉兰萍红鹏辉玲建华晶亮林成春梅丹波宁凯斌浩宇欣怡子涵雨轩梓萱"
)
COMPANY_SUFFIX = ["汽配城", "五金店", "建材商行", "家居馆", "贸易有限公司", "机电设备部", "维修中心"]

# (province, [cities]) weighted roughly by e-commerce volume.
PLACES = [
    ("广东省", ["广州市", "深圳市", "佛山市", "东莞市"]),
    ("浙江省", ["杭州市", "宁波市", "温州市", "金华市"]),
    ("江苏省", ["南京市", "苏州市", "无锡市", "常州市"]),
    ("上海市", ["上海市"]),
    ("北京市", ["北京市"]),
    ("山东省", ["济南市", "青岛市", "临沂市"]),
    ("四川省", ["成都市", "绵阳市"]),
    ("湖北省", ["武汉市", "宜昌市"]),
    ("河南省", ["郑州市", "洛阳市"]),
    ("福建省", ["福州市", "厦门市", "泉州市"]),
    ("辽宁省", ["沈阳市", "大连市"]),
    ("陕西省", ["西安市"]),
    ("重庆市", ["重庆市"]),
    ("天津市", ["天津市"]),
]
PLACE_WEIGHTS = [14, 12, 11, 8, 7, 7, 6, 5, 5, 5, 4, 4, 4, 3]
STREETS = [
    "人民路",
    "中山路",
    "解放大道",
    "建设路",
    "和平街",
    "长江路",
    "新华路",
    "工业园路",
    "滨江大道",
    "科技路",
]

# Warehouse → nearest provinces (orders mostly ship from the nearest one).
WAREHOUSE_OF_PROVINCE = {
    "广东省": "south",
    "福建省": "south",
    "浙江省": "east",
    "江苏省": "east",
    "上海市": "east",
    "北京市": "north",
    "天津市": "north",
    "山东省": "north",
    "四川省": "southwest",
    "重庆市": "southwest",
    "湖北省": "central",
    "河南省": "central",
    "辽宁省": "northeast",
    "陕西省": "northwest",
}
# Median hours from payment to shipment per warehouse: east is quick, northeast slow.
WAREHOUSE_DELAY_HOURS = {
    "east": 5.0,
    "south": 7.0,
    "north": 9.0,
    "southwest": 12.0,
    "central": 10.0,
    "northeast": 16.0,
    "northwest": 14.0,
}

PRODUCTS: dict[str, list[tuple[str, str, list[str], float]]] = {
    # template → (prefix, category, brands, typical price)
    "auto_parts_chain": [
        ("BP", "刹车片", ["博世", "布雷博", "菲罗多"], 260.0),
        ("OF", "机油滤清器", ["曼牌", "马勒", "博世"], 45.0),
        ("SP", "火花塞", ["NGK", "电装", "博世"], 38.0),
        ("TY", "轮胎", ["米其林", "普利司通", "固特异"], 680.0),
        ("BT", "蓄电池", ["瓦尔塔", "风帆", "骆驼"], 420.0),
        ("WB", "雨刮片", ["博世", "法雷奥"], 85.0),
    ],
    "hardware_wholesale": [
        ("SC", "螺丝螺栓", ["东明", "晋亿"], 12.0),
        ("WR", "扳手", ["世达", "史丹利", "长城精工"], 65.0),
        ("DR", "钻头", ["博世", "得伟", "牧田"], 48.0),
        ("HG", "合页", ["海蒂诗", "百隆", "东泰"], 22.0),
        ("LK", "门锁", ["耶鲁", "固力", "王力"], 260.0),
        ("PT", "电动工具", ["牧田", "得伟", "东成"], 560.0),
    ],
    "home_ecommerce": [
        ("SF", "沙发", ["顾家", "芝华仕", "林氏"], 3200.0),
        ("MT", "床垫", ["慕思", "喜临门", "穗宝"], 2600.0),
        ("TB", "餐桌", ["林氏", "全友", "源氏木语"], 1500.0),
        ("LT", "灯具", ["欧普", "雷士", "飞利浦"], 380.0),
        ("CT", "窗帘", ["如鱼得水", "布言布语"], 260.0),
        ("SH", "收纳柜", ["宜家", "林氏", "全友"], 699.0),
    ],
}

AFTER_SALES_WEIGHTS = {
    "damaged_packaging": 22,
    "logistics_delay": 25,
    "wrong_item": 8,
    "defect": 15,
    "missing_gift": 6,
    "spec_mismatch": 10,
    "customer_mistake": 9,
    "other": 5,
}
CHANNEL_WEIGHTS = {"taobao": 30, "jd": 20, "douyin": 18, "pdd": 14, "wechat": 8, "pos": 7, "sales": 3}
CARRIER_WEIGHTS = {"sf": 25, "zto": 20, "yto": 15, "yunda": 14, "sto": 8, "jdl": 10, "ems": 4, "deppon": 4}
