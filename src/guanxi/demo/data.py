"""Reference data the demo is made of: places, names, company name parts and interaction texts.

Places are real (provinces, cities, districts, postal code prefixes, telephone area codes);
everything else is invented. Customer data is not translated: it is what users type in, so it
stays in the language a Chinese CRM would hold (with some English names mixed in).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    name: str
    code: str
    area_code: str  # without the leading 0
    local_digits: int  # length of a landline number inside the area
    postal_prefixes: tuple[str, ...]
    districts: tuple[str, ...]

    @property
    def short(self) -> str:
        """The name without its administrative suffix, as company names use it (杭州市 -> 杭州)."""
        return self.name[:-1] if self.name.endswith("市") else self.name


@dataclass(frozen=True)
class Province:
    name: str
    code: str
    cities: tuple[City, ...]

    @property
    def is_municipality(self) -> bool:
        """上海市, 北京市 …: a province-level city, so it has no city territories of its own."""
        return len(self.cities) == 1 and self.cities[0].name == self.name


@dataclass(frozen=True)
class Region:
    name: str
    code: str
    team: str  # the sales team that covers the region
    weight: float  # share of the customers
    provinces: tuple[Province, ...]


def _city(name, code, area, digits, postal, districts):
    return City(name, code, area, digits, tuple(postal.split()), tuple(districts.split()))


def _municipality(name, code, area, postal, districts):
    return Province(name, code, (_city(name, code, area, 8, postal, districts),))


REGIONS: tuple[Region, ...] = (
    Region("华东", "east", "华东销售", 0.32, (
        _municipality("上海市", "sh", "21", "200 201", "浦东新区 黄浦区 徐汇区 静安区 长宁区 闵行区 杨浦区"),
        Province("江苏省", "js", (
            _city("南京市", "nanjing", "25", 8, "210 211", "玄武区 鼓楼区 建邺区 江宁区"),
            _city("苏州市", "suzhou", "512", 8, "215", "姑苏区 工业园区 吴中区 昆山市"),
            _city("无锡市", "wuxi", "510", 8, "214", "梁溪区 滨湖区 新吴区"),
        )),
        Province("浙江省", "zj", (
            _city("杭州市", "hangzhou", "571", 8, "310 311", "西湖区 上城区 拱墅区 滨江区 余杭区"),
            _city("宁波市", "ningbo", "574", 8, "315", "海曙区 鄞州区 北仑区"),
        )),
        Province("山东省", "sd", (
            _city("济南市", "jinan", "531", 8, "250", "历下区 市中区 槐荫区"),
            _city("青岛市", "qingdao", "532", 8, "266", "市南区 崂山区 黄岛区"),
        )),
        Province("安徽省", "ah", (_city("合肥市", "hefei", "551", 8, "230", "蜀山区 包河区 庐阳区"),)),
        Province("福建省", "fj", (
            _city("福州市", "fuzhou", "591", 8, "350", "鼓楼区 台江区 仓山区"),
            _city("厦门市", "xiamen", "592", 7, "361", "思明区 湖里区 集美区"),
        )),
    )),
    Region("华北", "north", "华北销售", 0.16, (
        _municipality("北京市", "bj", "10", "100 101 102", "朝阳区 海淀区 东城区 西城区 丰台区 大兴区"),
        _municipality("天津市", "tj", "22", "300 301", "和平区 河西区 南开区 滨海新区"),
        Province("河北省", "he", (_city("石家庄市", "shijiazhuang", "311", 8, "050", "长安区 桥西区 裕华区"),)),
        Province("山西省", "sx", (_city("太原市", "taiyuan", "351", 7, "030", "小店区 迎泽区 杏花岭区"),)),
    )),
    Region("华南", "south", "华南销售", 0.20, (
        Province("广东省", "gd", (
            _city("广州市", "guangzhou", "20", 8, "510 511", "天河区 越秀区 海珠区 番禺区 白云区"),
            _city("深圳市", "shenzhen", "755", 8, "518", "南山区 福田区 罗湖区 宝安区 龙岗区"),
            _city("东莞市", "dongguan", "769", 8, "523", "南城街道 东城街道 长安镇"),
            _city("佛山市", "foshan", "757", 8, "528", "禅城区 南海区 顺德区"),
        )),
        Province("广西壮族自治区", "gx", (_city("南宁市", "nanning", "771", 7, "530", "青秀区 兴宁区 西乡塘区"),)),
        Province("海南省", "hi", (_city("海口市", "haikou", "898", 8, "570", "龙华区 美兰区 秀英区"),)),
    )),
    Region("华中", "central", "华中销售", 0.10, (
        Province("湖北省", "hb", (_city("武汉市", "wuhan", "27", 8, "430", "江汉区 武昌区 洪山区 江岸区"),)),
        Province("湖南省", "hn", (_city("长沙市", "changsha", "731", 8, "410", "岳麓区 芙蓉区 天心区 开福区"),)),
        Province("河南省", "ha", (_city("郑州市", "zhengzhou", "371", 8, "450", "金水区 中原区 二七区 管城回族区"),)),
    )),
    Region("西南", "southwest", "西南销售", 0.10, (
        Province("四川省", "sc", (_city("成都市", "chengdu", "28", 8, "610 611", "锦江区 青羊区 武侯区 成华区 高新区"),)),
        _municipality("重庆市", "cq", "23", "400 401", "渝中区 江北区 南岸区 渝北区 沙坪坝区"),
        Province("云南省", "yn", (_city("昆明市", "kunming", "871", 8, "650", "五华区 盘龙区 官渡区"),)),
        Province("贵州省", "gz", (_city("贵阳市", "guiyang", "851", 8, "550", "南明区 云岩区 观山湖区"),)),
    )),
    Region("西北", "northwest", "西北销售", 0.05, (
        Province("陕西省", "sn", (_city("西安市", "xian", "29", 8, "710", "雁塔区 碑林区 未央区 莲湖区"),)),
        Province("甘肃省", "gs", (_city("兰州市", "lanzhou", "931", 7, "730", "城关区 七里河区 安宁区"),)),
        Province("新疆维吾尔自治区", "xj", (_city("乌鲁木齐市", "urumqi", "991", 7, "830", "天山区 沙依巴克区 新市区"),)),
    )),
    Region("东北", "northeast", "东北销售", 0.07, (
        Province("辽宁省", "ln", (
            _city("沈阳市", "shenyang", "24", 8, "110", "和平区 沈河区 皇姑区 浑南区"),
            _city("大连市", "dalian", "411", 8, "116", "中山区 西岗区 沙河口区 甘井子区"),
        )),
        Province("吉林省", "jl", (_city("长春市", "changchun", "431", 8, "130", "朝阳区 南关区 宽城区"),)),
        Province("黑龙江省", "hl", (_city("哈尔滨市", "harbin", "451", 8, "150", "南岗区 道里区 香坊区"),)),
    )),
)

# Mobile prefixes that libphonenumber accepts as Chinese mobiles; the tests check every one.
MOBILE_PREFIXES = tuple(
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 173 175 176 177 "
    "178 180 181 182 183 184 185 186 187 188 189 191 193 195 196 197 198 199".split()
)

# Surnames roughly by frequency: the first ones are drawn more often.
SURNAMES = tuple(
    "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 彭 曾 肖 田 董 袁 潘 "
    "于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭 陆 汪 范 金 石 廖 贾 夏 韦 付 方 白 邹 孟 熊 秦 邱 江 "
    "尹 薛 闫 段 雷 侯 龙 史 陶 黎 贺 顾 毛 郝 龚 邵 万 钱 严 覃 武 戴 莫 孔 向 汤 欧阳 司马 上官 诸葛".split()
)
GIVEN_NAMES_MALE = tuple(
    "伟 强 磊 军 洋 勇 杰 涛 明 超 刚 平 辉 鹏 华 飞 鑫 波 斌 宇 浩 凯 健 俊 帆 旭 宁 龙 林 阳 晨 "
    "建华 建国 志强 海涛 子轩 浩然 宇轩 俊杰 文博 志明 国强 建军 晓东 振华 立新 家豪 天宇 子豪 明轩 "
    "博文 一鸣 嘉懿 思远 泽宇 晓峰 伟东 志刚 卫东 海波 永强 国栋 建平 文杰 宏伟 俊豪 鹏飞 云龙 浩宇 "
    "德华 光明 春生 东升 少华 思聪 梓豪 致远 若愚 承志 铭哲 景行 鸿涛 嘉诚 昊然 晟睿 子墨 宇航 一凡".split()
)
GIVEN_NAMES_FEMALE = tuple(
    "芳 娜 敏 静 丽 艳 娟 霞 婷 雪 琳 慧 玲 颖 倩 洁 燕 梅 莉 晶 佳 萍 红 蕾 薇 "
    "秀英 欣怡 梓涵 诗涵 雨欣 思琪 婉清 紫萱 晓燕 丽华 美玲 雅婷 佳怡 子涵 梦琪 嘉欣 雨涵 可馨 "
    "静怡 晓丽 海燕 春梅 秀兰 桂英 玉兰 丽娟 淑华 慧敏 晓红 雪梅 颖慧 文静 思雨 若曦 语嫣 "
    "心怡 晨曦 梦瑶 诗琪 欣然 一诺 雨桐 依依 晓雯 佳琪 婧琪 梓萱 安琪 舒婷 晓琳 亚楠 丹丹 甜甜".split()
)
ENGLISH_GIVEN_NAMES_MALE = tuple("James John Robert Michael David William Richard Thomas Daniel Mark Peter Kevin "
                                 "Jason Eric Brian Steven Andrew Paul Martin Henry".split())
ENGLISH_GIVEN_NAMES_FEMALE = tuple("Mary Linda Susan Karen Lisa Nancy Emily Sarah Jessica Anna Laura Emma Grace "
                                   "Helen Alice Rachel Sophie Julia Claire Olivia".split())
ENGLISH_FAMILY_NAMES = tuple("Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore "
                             "Martin Jackson White Harris Clark Lewis Walker Young Hall Allen King Wright Scott "
                             "Green Baker Adams Nelson Carter Mitchell Müller Schmidt Dubois Rossi Tanaka Kim".split())

BRAND_CHARS = "华信恒达鼎盛远航天成金桥瑞丰宏图中联博新宇汇通安泰嘉禾创世星辰卓越万象海纳东方广源长城九州正永锦程鸿运百川启明智云睿晟昊德润诚致"
BRANDS = tuple(
    "华信 恒达 鼎盛 远航 天成 金桥 瑞丰 宏图 中联 博远 新宇 汇通 安泰 嘉禾 联创 盛世 星辰 卓越 万象 海纳 东方 "
    "广源 长城 九州 正泰 永信 锦程 鸿运 百川 启明 智云 睿达 晟世 昊天 德润 诚信 致远 蓝海 银河 凯旋 明辉 "
    "同心 和谐 腾飞 飞扬 新纪元 中科 华夏 神州 东海 南山 北辰 西湖 天诚 鑫源 泰和 祥瑞 隆盛 富源 同创".split()
)

# Trade words by industry code (customers.choices.Industry), with an English counterpart each.
TRADES: dict[str, tuple[tuple[str, str], ...]] = {
    "technology": (("科技", "Technology"), ("网络科技", "Network Technology"), ("信息技术", "Information Technology"),
                   ("软件", "Software"), ("智能科技", "Intelligent Technology"), ("数据科技", "Data Technology"),
                   ("电子", "Electronics")),
    "manufacturing": (("机械", "Machinery"), ("精密制造", "Precision Manufacturing"), ("机电设备", "Electromechanical"),
                      ("汽车零部件", "Auto Parts"), ("新材料", "New Materials"), ("电气", "Electric"),
                      ("五金制品", "Hardware")),
    "retail": (("贸易", "Trading"), ("商贸", "Commerce"), ("百货", "Department Store"), ("电子商务", "E-Commerce"),
               ("进出口", "Import & Export")),
    "finance": (("投资管理", "Investment Management"), ("融资租赁", "Financial Leasing"),
                ("资产管理", "Asset Management"), ("保险代理", "Insurance Agency")),
    "healthcare": (("医疗器械", "Medical Devices"), ("医药", "Pharmaceutical"), ("生物科技", "Biotech"),
                   ("健康管理", "Health Management")),
    "education": (("教育科技", "Education Technology"), ("培训", "Training"), ("文化传播", "Culture & Media")),
    "logistics": (("物流", "Logistics"), ("供应链管理", "Supply Chain"), ("国际货运代理", "Freight Forwarding"),
                  ("快运", "Express")),
    "energy": (("新能源", "New Energy"), ("能源科技", "Energy Technology"), ("光伏科技", "Solar"),
               ("电力工程", "Power Engineering")),
    "real_estate": (("置业", "Properties"), ("房地产开发", "Real Estate Development"), ("物业管理", "Property Management"),
                    ("建筑工程", "Construction")),
    "hospitality": (("酒店管理", "Hotel Management"), ("餐饮管理", "Catering"), ("旅游开发", "Tourism")),
    "agriculture": (("农业科技", "Agritech"), ("生态农业", "Eco Agriculture"), ("食品", "Foods"), ("茶业", "Tea")),
    "government": (("市场监督管理局", ""), ("人力资源和社会保障局", ""), ("交通运输局", ""), ("教育局", "")),
    "other": (("咨询", "Consulting"), ("广告", "Advertising"), ("设计", "Design"), ("人力资源", "Human Resources")),
}
INDUSTRY_WEIGHTS = {
    "technology": 18, "manufacturing": 18, "retail": 14, "finance": 5, "healthcare": 7, "education": 4,
    "logistics": 8, "energy": 4, "real_estate": 5, "hospitality": 5, "agriculture": 3, "government": 2, "other": 7,
}
LEGAL_FORMS = (("有限公司", 60), ("股份有限公司", 15), ("集团有限公司", 8), ("有限责任公司", 12), ("商行", 5))
ENGLISH_BRANDS = tuple("Apex Bright Harbor Summit Pacific Orient Silverline Nova Evergreen Greenfield Pioneer "
                       "Sunrise Horizon Crystal Unity Vertex Zenith Lotus Jade Phoenix Maple Atlas".split())
ENGLISH_FORMS = ("Co., Ltd.", "Ltd.", "Group", "(China) Co., Ltd.", "Inc.")
MAIL_DOMAINS = ("qq.com", "163.com", "126.com", "sina.com", "gmail.com", "outlook.com", "foxmail.com")
WEB_SUFFIXES = (".com", ".cn", ".com.cn", ".net")

STREETS = tuple("人民路 中山路 解放路 建设路 长江路 南京路 淮海路 科技路 创新大道 高新大道 文化路 和平路 "
                "胜利路 光明路 东风路 迎宾大道 新华路 滨江大道 学府路 金融街".split())
BUILDINGS = tuple("国际大厦 科技园 创业中心 金融中心 商务广场 财富中心 世纪大厦 时代广场 产业园 软件园".split())

TITLES = (
    ("总经理", "总经办"), ("副总经理", "总经办"), ("董事长", "总经办"), ("采购经理", "采购部"), ("采购专员", "采购部"),
    ("销售总监", "销售部"), ("技术总监", "技术部"), ("工程师", "技术部"), ("财务经理", "财务部"), ("会计", "财务部"),
    ("IT经理", "信息部"), ("行政主管", "行政部"), ("项目经理", "项目部"), ("市场经理", "市场部"),
    ("人事经理", "人力资源部"), ("研发经理", "研发部"),
)
ENGLISH_TITLES = (
    ("General Manager", "Management"), ("Purchasing Manager", "Purchasing"), ("CTO", "Technology"),
    ("Finance Director", "Finance"), ("IT Manager", "IT"), ("Project Manager", "Projects"),
)

REASONS = (
    "产品咨询", "报价跟进", "合同续签", "售后服务", "投诉处理", "上门拜访", "新品介绍", "回款提醒", "满意度回访",
    "技术支持", "发票问题", "物流查询", "活动邀请", "需求调研", "商务洽谈", "续费提醒", "账户变更", "培训安排",
)
NOTES = (
    "", "", "", "客户对新版本很感兴趣，约下周演示。", "已发送报价单，等待客户确认。", "客户反映交货延迟，已协调仓库。",
    "联系人不在，稍后再联系。", "客户希望增加采购量，需要申请折扣。", "已解决客户的登录问题。",
    "客户要求提供发票复印件。", "介绍了年度优惠活动，客户表示考虑。", "客户对服务很满意。",
    "客户计划明年扩大合作范围。", "约定下月初上门拜访。", "客户提出了新的功能需求。",
)
SCRIPTS = ("", "", "", "", "标准开场白", "满意度回访话术", "促销活动话术", "催款话术")
ACCOUNT_NOTES = (
    "年度框架协议正在谈判中。", "关键决策人是总经理，采购经理负责日常对接。", "客户对价格敏感，重视售后响应速度。",
    "去年曾有一次质量投诉，已妥善处理。", "有意向试用新产品线。", "付款及时，信用良好。",
)
TAGS = (
    ("VIP客户", "danger"), ("重点跟进", "warning"), ("老客户", "success"), ("潜在客户", "info"), ("展会获客", "primary"),
    ("合作伙伴", "primary"), ("政府项目", "dark"), ("海外业务", "info"), ("需回访", "warning"), ("高风险", "danger"),
)
