"""Names for a generated tenant (:mod:`.generate`): people of several languages and scripts.

Each culture pairs names as written with a Latin spelling (for userNames and email addresses, as a
directory would hold them), and says where its people are: locale, language, time zone, whether
the family name comes first in a display name, and a phone prefix. Invented for mockscim: common
names of each language, no real person meant.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CULTURES", "DEPARTMENTS", "TITLES", "Culture"]


@dataclass(frozen=True)
class Culture:
    given: tuple[tuple[str, str], ...]
    family: tuple[tuple[str, str], ...]
    locale: str
    language: str
    time_zone: str
    phone: str
    family_first: bool = False
    #: How often this culture's names are drawn (relative).
    weight: int = 1


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """``"Ana/ana Bruno/bruno"`` -> (("Ana", "ana"), ("Bruno", "bruno"))."""
    pairs = []
    for word in text.split():
        native, _, latin = word.partition("/")
        pairs.append((native.replace("_", " "), latin or native.lower()))
    return tuple(pairs)


CULTURES = (
    Culture(
        _pairs(
            "James/james Mary/mary Robert/robert Patricia/patricia Michael/michael Linda/linda "
            "David/david Jennifer/jennifer William/william Susan/susan Chloe/chloe Ethan/ethan"
        ),
        _pairs(
            "Smith/smith Johnson/johnson Williams/williams Brown/brown Jones/jones Miller/miller "
            "Davis/davis Wilson/wilson Anderson/anderson Taylor/taylor Thomas/thomas Moore/moore"
        ),
        "en_US",
        "en",
        "America/New_York",
        "+1 555",
        weight=6,
    ),
    Culture(
        _pairs(
            "Zoë/zoe José/jose Léa/lea Émile/emile Søren/soren Åsa/asa Björn/bjorn Jürgen/jurgen "
            "Małgorzata/malgorzata Łukasz/lukasz Ines/ines Tomáš/tomas"
        ),
        _pairs(
            "Müller/mueller Álvarez/alvarez Dubois/dubois Wiśniewski/wisniewski Kierkegård/"
            "kierkegard Novák/novak Schmidt/schmidt Fernández/fernandez Lindqvist/lindqvist "
            "Kovač/kovac Schmitz/schmitz Andersson/andersson"
        ),
        "de_DE",
        "de",
        "Europe/Berlin",
        "+49 30",
        weight=4,
    ),
    Culture(
        _pairs(
            "Дмитрий/dmitry Анна/anna Сергей/sergey Ольга/olga Иван/ivan Наталья/natalya "
            "Алексей/alexey Елена/elena"
        ),
        _pairs(
            "Иванов/ivanov Смирнова/smirnova Кузнецов/kuznetsov Попова/popova Соколов/sokolov "
            "Лебедева/lebedeva Морозов/morozov Волкова/volkova"
        ),
        "ru_RU",
        "ru",
        "Europe/Moscow",
        "+7 495",
    ),
    Culture(
        _pairs("Νίκος/nikos Μαρία/maria Γιώργος/giorgos Ελένη/eleni Κώστας/kostas Σοφία/sofia"),
        _pairs(
            "Παπαδόπουλος/papadopoulos Νικολάου/nikolaou Γεωργίου/georgiou Οικονόμου/oikonomou "
            "Δημητρίου/dimitriou Αντωνίου/antoniou"
        ),
        "el_GR",
        "el",
        "Europe/Athens",
        "+30 21",
    ),
    Culture(
        _pairs("ليلى/layla محمد/mohammed فاطمة/fatima أحمد/ahmed نور/nour يوسف/youssef"),
        _pairs("منصور/mansour حداد/haddad خوري/khoury العلي/alali سليمان/suleiman ناصر/nasser"),
        "ar_AE",
        "ar",
        "Asia/Dubai",
        "+971 4",
    ),
    Culture(
        _pairs("伟/wei 芳/fang 磊/lei 静/jing 洋/yang 敏/min 杰/jie 婷/ting"),
        _pairs("李/li 王/wang 张/zhang 刘/liu 陈/chen 杨/yang 黄/huang 赵/zhao"),
        "zh_CN",
        "zh",
        "Asia/Shanghai",
        "+86 10",
        family_first=True,
        weight=2,
    ),
    Culture(
        _pairs("翔太/shota 陽菜/hina 蓮/ren 結衣/yui 大翔/hiroto 美咲/misaki"),
        _pairs("佐藤/sato 鈴木/suzuki 高橋/takahashi 田中/tanaka 伊藤/ito 渡辺/watanabe"),
        "ja_JP",
        "ja",
        "Asia/Tokyo",
        "+81 3",
        family_first=True,
    ),
    Culture(
        _pairs("민준/minjun 서연/seoyeon 도윤/doyun 지우/jiwoo 하준/hajun 서윤/seoyun"),
        _pairs("김/kim 이/lee 박/park 최/choi 정/jung 강/kang"),
        "ko_KR",
        "ko",
        "Asia/Seoul",
        "+82 2",
        family_first=True,
    ),
    Culture(
        _pairs("आरव/aarav प्रिया/priya विवान/vivaan अनन्या/ananya अर्जुन/arjun दीया/diya"),
        _pairs("शर्मा/sharma वर्मा/verma पटेल/patel गुप्ता/gupta सिंह/singh रामन/raman"),
        "hi_IN",
        "hi",
        "Asia/Kolkata",
        "+91 22",
        weight=2,
    ),
)

DEPARTMENTS = (
    "Engineering",
    "Sales",
    "Finance",
    "People",
    "Legal",
    "Support",
    "Marketing",
    "Operations",
)

TITLES = (
    "Engineer",
    "Senior Engineer",
    "Account Executive",
    "Analyst",
    "Manager",
    "Director",
    "Consultant",
    "Specialist",
    "Coordinator",
)
