"""Chinese names for people, villages, schools and firms of the synthetic 平原县.

Surnames follow a north-Shandong frequency; given names follow the fashion of
the birth decade (建国 and 秀兰 for the old, 子涵 and 雨桐 for the young). Every
character is in GBK, since half the departments deliver GBK files.
"""
from __future__ import annotations

import numpy as np

SURNAMES = (
    "王李张刘陈杨赵孙马周吴徐高郭朱胡林何宋郑韩曹魏于田董袁冯杜许姜崔程丁邵贾吕任梁谢宁侯孟郝薛邢"
    "付彭石潘秦范葛卢庞蒋沈姚白尹孔段耿房常牛武翟颜苏阎贺齐毛申谭单商"
)
# Zipf-like weights: 王 李 张 刘 are about a third of the county.
SURNAME_WEIGHTS = 1.0 / (np.arange(len(SURNAMES)) + 2.2) ** 1.1
SURNAME_WEIGHTS = SURNAME_WEIGHTS / SURNAME_WEIGHTS.sum()

# (first characters, second characters, share of one-character names) by era and sex.
_GIVEN = {
    ("old", "男"): ("建国志德永文玉明金长振学庆宝福春树连广保兴万继洪",
                   "国华军民平林明生山成忠祥海贵才友章田刚福奎义", 0.10),
    ("old", "女"): ("秀桂玉淑凤春兰英金素翠月爱荣美瑞",
                   "兰英珍梅芳华云荣芝霞琴香娥花莲菊", 0.08),
    ("mid", "男"): ("志海建文晓永立振红新俊宏国卫东云德继",
                   "强军涛伟明刚斌杰峰鹏亮波勇辉磊超健华", 0.25),
    ("mid", "女"): ("丽晓秀海春红文雪玉小桂美艳静",
                   "丽娜静敏艳芳燕霞玲红梅娟婷华萍莉", 0.25),
    ("young", "男"): ("子浩宇俊梓一思家佳博泽皓明天嘉锦晨昊睿",
                     "涵然轩宇辰航博泽睿阳铭杰豪鑫硕彬恒", 0.08),
    ("young", "女"): ("雨欣梓思佳若诗梦可一语紫心欣依",
                     "涵桐怡萱琪彤妍璇雯悦瑶诺颖婷晴", 0.06),
}

ETHNICITIES = ("汉族", "回族", "满族", "蒙古族")
ETHNICITY_WEIGHTS = (0.985, 0.011, 0.003, 0.001)

# Homophones and variant characters departments type for the same person.
NAME_VARIANTS = {
    "萌": "蒙", "丽": "莉", "红": "虹", "明": "铭", "伟": "玮", "芳": "方", "娜": "纳",
    "敏": "民", "杰": "洁", "磊": "蕾", "燕": "艳", "军": "君", "华": "化", "静": "靖",
    "英": "瑛", "兰": "岚", "玲": "凌", "梅": "媚", "霞": "夏", "峰": "锋", "涛": "滔",
    "强": "墙", "刚": "钢", "平": "萍", "林": "琳", "辉": "晖", "鹏": "朋", "婷": "亭",
}


def era_of(birth_years: np.ndarray) -> np.ndarray:
    return np.where(birth_years < 1970, "old", np.where(birth_years < 1995, "mid", "young"))


def draw_surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice(np.array(list(SURNAMES)), size=n, p=SURNAME_WEIGHTS)


def draw_given_names(rng: np.random.Generator, eras: np.ndarray, sexes: np.ndarray) -> np.ndarray:
    """Given names, vectorised per (era, sex) group."""
    out = np.empty(len(eras), dtype=object)
    for (era, sex), (first, second, single) in _GIVEN.items():
        idx = np.flatnonzero((eras == era) & (sexes == sex))
        if len(idx) == 0:
            continue
        a = rng.choice(np.array(list(first)), size=len(idx))
        b = rng.choice(np.array(list(second)), size=len(idx))
        one = rng.random(len(idx)) < single
        names = np.where(one, b, np.char.add(a, b))
        # No doubled character (建建) unless it is a real reduplicated name.
        same = (a == b) & ~one
        names[same] = b[same]
        out[idx] = names
    return out


# --- places ------------------------------------------------------------------

_VILLAGE_PREFIX = "前后东西南北大小中新老上下"
_VILLAGE_CORE = "曹王李张刘陈杨赵孙马周吴徐高郭朱胡林何宋郑韩魏于田董袁冯杜许姜崔程丁邵贾吕任梁谢侯孟郝薛邢付"
_VILLAGE_SUFFIX = ("庄", "屯", "集", "寨", "楼", "店", "家", "营", "堂", "洼", "口", "桥", "坊", "园",
                   "官屯", "家庄", "家寨", "庄科", "辛庄", "铺")
COMMUNITY_NAMES = (
    "龙门", "文化", "新华", "人民", "育才", "广场", "府前", "东关", "西关", "南关", "北关", "幸福",
    "和平", "建设", "光明", "振华", "锦绣", "阳光", "桃园", "朝阳", "迎宾", "龙泉", "华盛", "富康",
    "春晖", "翠园", "金桥", "银河", "长庆", "永安", "恒安", "丽景", "凤凰", "明珠", "新城", "汇丰",
    "泰和", "康宁", "润园", "清源", "书香", "车站", "商贸", "工业园", "滨河", "紫荆", "鸿福", "顺河",
    "青年", "团结", "前进", "胜利", "友谊", "花园", "惠民", "安居", "景园", "泉城", "德润", "御景",
)


def village_name(rng: np.random.Generator, taken: set[str]) -> str:
    for _ in range(200):
        core = _VILLAGE_CORE[rng.integers(len(_VILLAGE_CORE))]
        suffix = _VILLAGE_SUFFIX[rng.integers(len(_VILLAGE_SUFFIX))]
        if rng.random() < 0.45:
            name = _VILLAGE_PREFIX[rng.integers(len(_VILLAGE_PREFIX))] + core + suffix + "村"
        else:
            name = core + suffix + "村"
        if name not in taken:
            taken.add(name)
            return name
    raise RuntimeError("ran out of village names")


def community_name(rng: np.random.Generator, taken: set[str]) -> str:
    for i in range(400):
        if i < 60:
            base = COMMUNITY_NAMES[rng.integers(len(COMMUNITY_NAMES))]
        else:
            base = (COMMUNITY_NAMES[rng.integers(len(COMMUNITY_NAMES))][:1]
                    + COMMUNITY_NAMES[rng.integers(len(COMMUNITY_NAMES))][-1:])
        name = base + "社区"
        if name not in taken:
            taken.add(name)
            return name
    raise RuntimeError("ran out of community names")


SCHOOLS_COUNTY = {
    "学前": ("平原县第一实验幼儿园", "平原县第二实验幼儿园"),
    "小学": ("平原县实验小学", "平原县第二实验小学", "平原县龙门小学"),
    "初中": ("平原县第二中学", "平原县实验中学", "平原县龙门中学"),
    "高中": ("平原县第一中学", "平原县第二中学", "平原县第五中学"),
    "中职": ("平原县职业中等专业学校", "德州交通职业中专"),
    "高校": ("山东大学", "德州学院", "山东农业大学", "齐鲁工业大学", "山东职业学院", "德州职业技术学院",
             "济南职业学院", "青岛大学", "曲阜师范大学", "山东师范大学", "聊城大学", "山东科技大学"),
}

EMPLOYERS = ("平原县人民医院", "平原县第一中学", "平原县实验小学", "平原县自来水公司", "德州恒丰纺织有限公司",
             "平原县农村商业银行", "山东华鲁恒升化工股份有限公司", "平原县中医院", "德州银行平原支行",
             "平原县供电公司", "平原县人民政府", "平原县龙门街道办事处", "平原县汇德纺织有限公司",
             "德州三和纺织有限公司", "平原县恒源化工有限公司", "平原县邮政分公司", "平原县城市管理局")

FIRM_KINDS = ("五金店", "超市", "饭店", "养殖场", "农机销售部", "建材经营部", "服装店", "汽修厂",
              "家庭农场", "商贸有限公司", "建筑工程有限公司", "农业科技有限公司", "纺织有限公司", "食品有限公司")

DIAGNOSES_COMMON = ("肺炎", "急性支气管炎", "骨折", "阑尾炎", "胆结石", "白内障", "腰椎间盘突出",
                    "脑梗死", "冠心病", "高血压", "2型糖尿病", "胃炎", "上呼吸道感染", "腹股沟疝")
