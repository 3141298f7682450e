"""The year-end summary (年度工作总结): wording with placeholders bound to the measures.

A placeholder is ``{key}``, ``{key:param=value,param=value}`` and optional filters
``|filter`` (chained), e.g. ``{branches.meetings:kind=democratic_life}`` or
``{branches.talk_person_times|approx}``. Besides measure keys: ``{year}``, ``{checklist.title}``,
``{checklist.issuer}``, ``{scope}`` (the village, or the organisation, the summary speaks for).

Whose voice: the default wording (``DEFAULT_SECTIONS``) speaks for the sub-district ("澄江街道
围绕…", "街道创新采用…"); a village's own scope gets ``DEFAULT_VILLAGE_SECTIONS``, which speaks
for the village and names only what a village does; a scope below a village (a branch, a group)
gets no default, only a wording the office saved for it.

Filters:

* (none) — the figure itself;
* ``approx`` — the rule for "130余": a figure of 20 or more that is not a whole ten is rounded
  down to tens and followed by 余 (136 → 130余, 21 → 20余, 140 → 140); below 20 it is exact;
* ``titles`` — the records' titles as 《…》、《…》; ``names`` — their names joined by 、
  (in the order the records were entered);
* ``villages`` — the villages of the records; ``village_count`` — how many villages;
* ``months`` — the months of the records' dates, e.g. 10月; ``months:<lookup>`` — of another
  date, e.g. ``months:applicant__recruitment__announced_on`` (the month a recruitment was held);
* ``count:<field>`` — how many distinct values of a field, e.g. ``count:organization``.

The wording may not contain typed digits outside placeholders: every number comes from records.

Optional parts: ``[…]`` marks a clause or sentence that is left out when it has nothing to say, so
the summary of any year reads well (never "选举出0名" or "接待等0个班次"). A part is left out when
a placeholder directly inside it renders empty (a figure of 0, an empty list, or a missing
checklist), or when it holds no placeholder of its own and every part nested in it was left out.
Punctuation left dangling by a dropped part (``、。``, ``，，``) is tidied. Parts nest, e.g.
``[近一年来，[共开展[民主生活会{…}次、][组织生活会{…}次]，][累计谈心谈话{…}人次]。]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldError, ValidationError
from django.db.models.functions import ExtractMonth
from django.utils.translation import gettext_lazy as _

from chengjiang import measures as registry
from chengjiang.measures import Period

from . import summary
from .models import Checklist, ReportDraft, Section, param_value_ok
from .selectors import drilldown_url, number

TOKEN = re.compile(r"\{([^{}]*)\}")
PIECE = re.compile(r"\{[^{}]*\}|\[|\]")
DANGLING = re.compile(r"[、，；]+([，。；！？])")
KEY = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")
PARAM = re.compile(r"^([a-z_]+)=([A-Za-z0-9_\-]+)$")
FILTER = re.compile(
    r"^(approx|titles|names|villages|village_count|months(:[a-z_]+)?|count:[a-z_]+)$"
)
DIGITS = re.compile(r"[0-9０-９]")
SPECIAL = ("year", "checklist.title", "checklist.issuer", "scope")

MSG_TYPED_NUMBER = _(
    "Numbers may not be typed into the wording (found “%(text)s”): use a placeholder bound to a "
    "measure, e.g. {branches.meetings:kind=org_life}."
)
MSG_BAD_TOKEN = _("The placeholder “%(token)s” is not written correctly.")
MSG_UNKNOWN_KEY = _("No measure is registered under the key “%(key)s” (placeholder “%(token)s”).")
MSG_TOKEN_PARAM = _("The placeholder “%(token)s” has an unknown parameter or value “%(param)s”.")
MSG_BRACES = _("A brace { or } is not closed.")
MSG_BRACKETS = _("A bracket [ or ] of an optional part is not closed.")

DEFAULT_TITLE = "{year}年度抓党建促乡村组织振兴工作总结"

DEFAULT_SECTIONS = {
    Section.OPENING: (
        "今年来，澄江街道[围绕{checklist.issuer}《{checklist.title}》清单，]立足于“三个坚持”，"
        "强化组织建设、队伍建设、阵地建设，固本强基，疾步稳行，不断夯实农村基层党组织建设，"
        "助推乡村振兴。"
    ),
    Section.ORGANIZATION: (
        "坚持强化组织建设，筑牢党建基础。按照务实、管用、有效的原则，健全完善基层组织体系建设，"
        "优化组织设置，理顺隶属关系，做到应建尽建、设置规范、调整及时、体制明晰。完善党支部、"
        "党小组的组织构架，及时根据人员岗位调整，确保党组织结构稳定、功能健全。进一步规范党内"
        "组织生活，认真落实“三会一课”、主题党日、组织生活会、谈心谈话等组织制度，不断增强党内"
        "政治生活严肃性。带领全体党员干部深入学习贯彻习近平总书记关于加强党的基层组织建设的"
        "新思想、新论断、新要求，充分认识加强党的基层组织建设的重大意义。"
        "[近一年来，[共开展[民主生活会{branches.meetings:kind=democratic_life}次、]"
        "[组织生活会{branches.org_life_rounds}次]，]"
        "[累计谈心谈话{branches.talk_person_times|approx}人次]。]"
        "[严格按照各项规定[新成立基层党支部{branches.org_changes:kind=established,org_kind=branch}个、]"
        "[分设党小组{branches.org_changes:kind=group_set_up}个并理顺隶属关系、]"
        "[{branches.org_changes:kind=secretary_changed,org_kind=branch|count:organization}"
        "个党支部调整书记{branches.org_changes:kind=secretary_changed,org_kind=branch}人]。]"
    ),
    Section.TEAM: (
        "坚持强化队伍建设，激活源头活水。持续推进党员干部队伍建设，选优配强村民组长队伍，[街道"
        "创新采用“两荐一考一选”模式，成功在{cadres.group_leaders_elected|villages}选举出"
        "{cadres.group_leaders_elected}名政治可靠、遵纪守法、熟悉村情、长期在家、身体健康的村民"
        "组长，]并依据村民组人口数和工作量，科学设定了五档递增的薪酬制度，既给“担子”也给“票子”。"
        "严格后备干部选拔程序，通过公开招考的形式，重点将宣州籍大学毕业生作为后备干部预备人选，"
        "通过笔试、面试及综合考查等多个环节，严格把控“入口关”。[今年"
        "{cadres.reserve_cadres_recruited|months:applicant__recruitment__announced_on}，"
        "街道面向社会为"
        "{cadres.reserve_cadres_recruited|villages}公开招考后备干部"
        "{cadres.reserve_cadres_recruited}名。]街道各级党组织充分利用“三会一课”、“春早”行动示范"
        "培训班等平台，组织后备干部深入学习党的政策法规、农业农村方针政策以及乡村振兴建设等相关"
        "内容，并完善村干部与后备干部“一对一”或“多对一”的结对帮带制度，[结对"
        "{cadres.pairings}对，]助力后备干部快速适应并胜任工作角色。"
    ),
    Section.POSITION: (
        "坚持强化阵地建设，提升党建水平。著力规范、完善基层党组织活动阵地建设，推进党建阵地功能"
        "发挥。[在{training.bases_rated:level=municipal|villages}，成功打造市级干部教育培训的现场教学点"
        "{training.bases_rated:level=municipal}个，通过配备大型会议室、投影仪、党建成就展示馆及智慧社区"
        "展示大屏等先进设施，为党员干部创造了一个多元化、现代化的学习环境。][同时，精心策划并开设"
        "了{training.courses_opened}门紧密贴合实际的现场教学课程，围绕"
        "{training.courses_opened|titles}等课程，提升教学实践性、针对性。]积极开展对外宣传[，实训"
        "基地成功接待{training.classes_received|names}等{training.classes_received}个班次，显著"
        "提升了党员教育实训基地的知名度和影响力，成为党员教育培训的一张新名片]。"
    ),
}


# A village's own summary: it speaks for the village and names what a village does (a village
# holds no 民主生活会 — that is the leadership's — and sets up no branches of the sub-district).
DEFAULT_VILLAGE_TITLE = "{scope}{year}年度抓党建促乡村组织振兴工作总结"

DEFAULT_VILLAGE_SECTIONS = {
    Section.OPENING: (
        "今年来，{scope}党组织围绕[{checklist.issuer}《{checklist.title}》清单和]街道党工委的部署，"
        "立足于“三个坚持”，强化组织建设、队伍建设、阵地建设，不断夯实基层党组织建设，助推乡村振兴。"
    ),
    Section.ORGANIZATION: (
        "坚持强化组织建设，筑牢党建基础。认真落实“三会一课”、主题党日、组织生活会、谈心谈话等"
        "组织制度。[近一年来，[共召开[支部党员大会{branches.meetings:kind=branch_assembly}次、]"
        "[支部委员会{branches.meetings:kind=branch_committee}次、]"
        "[党小组会{branches.meetings:kind=group_meeting}次]，][讲党课"
        "{branches.meetings:kind=party_lecture}次，][开展[主题党日{branches.meetings:kind=theme_day}次、]"
        "[组织生活会{branches.org_life_rounds}次]，][累计谈心谈话"
        "{branches.talk_person_times}人次]。]"
    ),
    Section.TEAM: (
        "坚持强化队伍建设，激活源头活水。[[按照街道“两荐一考一选”模式，选举产生村民组长"
        "{cadres.group_leaders_elected}名；][公开招考后备干部{cadres.reserve_cadres_recruited}名，]"
        "[村干部与后备干部结对帮带{cadres.pairings}对]。]"
    ),
    Section.POSITION: (
        "坚持强化阵地建设，提升党建水平。[本村党员教育阵地[开设现场教学课程"
        "{training.courses_offered}门，][接待培训班次{training.classes_received}个]。]"
    ),
}


@dataclass(frozen=True)
class Token:
    raw: str
    key: str
    params: dict[str, str]
    filters: tuple[str, ...]

    @property
    def special(self) -> bool:
        return self.key in SPECIAL


@dataclass(frozen=True)
class Figure:
    text: str
    token: str
    url: str | None = None
    missing: bool = False

    @property
    def empty(self) -> bool:
        """Nothing to say: no records (0 or an empty list), or a missing value."""
        return self.missing or self.text.strip() in ("", "0")


def parse_token(raw: str) -> Token:
    body, *filters = raw.split("|")
    key, _sep, params_text = body.partition(":")
    key = key.strip()
    if not KEY.match(key) and key not in SPECIAL:
        raise ValidationError(MSG_BAD_TOKEN % {"token": "{%s}" % raw})
    params = {}
    if params_text:
        for part in params_text.split(","):
            match = PARAM.match(part.strip())
            if not match:
                raise ValidationError(MSG_BAD_TOKEN % {"token": "{%s}" % raw})
            params[match.group(1)] = match.group(2)
    for f in filters:
        if not FILTER.match(f.strip()):
            raise ValidationError(MSG_BAD_TOKEN % {"token": "{%s}" % raw})
    return Token(raw, key, params, tuple(f.strip() for f in filters))


def validate_wording(text: str) -> None:
    """Refuse malformed or unknown placeholders and typed numbers."""
    errors = []
    outside = TOKEN.sub("", text)
    if "{" in outside or "}" in outside:
        errors.append(ValidationError(MSG_BRACES))
    depth = 0
    for char in outside:
        depth += {"[": 1, "]": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0:
        errors.append(ValidationError(MSG_BRACKETS))
    typed = DIGITS.search(outside)
    if typed:
        start = max(typed.start() - 6, 0)
        errors.append(
            ValidationError(MSG_TYPED_NUMBER % {"text": outside[start : typed.end() + 4]})
        )
    for match in TOKEN.finditer(text):
        try:
            token = parse_token(match.group(1))
        except ValidationError as exc:
            errors.append(exc)
            continue
        if token.special:
            continue
        m = registry.REGISTRY.get(token.key)
        if m is None:
            errors.append(
                ValidationError(MSG_UNKNOWN_KEY % {"key": token.key, "token": match.group(0)})
            )
            continue
        for name, value in token.params.items():
            if name not in m.params or not param_value_ok(m.params[name], value):
                errors.append(
                    ValidationError(
                        MSG_TOKEN_PARAM % {"token": match.group(0), "param": f"{name}={value}"}
                    )
                )
    if errors:
        raise ValidationError(errors)


def approx(value) -> str:
    """136 → 130余; 140 → 140; 19 → 19 (the rule in the module docstring)."""
    n = int(value or 0)
    if n >= 20 and n % 10:
        return f"{n - n % 10}余"
    return str(n)


def _item_text(obj, *, titles: bool) -> str:
    for attr in ("title", "name"):
        text = getattr(obj, attr, None)
        if isinstance(text, str) and text:
            break
    else:
        text = str(obj)
    text = text.strip("《》")
    return f"《{text}》" if titles else text


class Renderer:
    """Turns wording into text and figures for one year and scope; each token evaluated once."""

    def __init__(
        self,
        *,
        year: int,
        scope: str,
        checklist: Checklist | None,
        org_id=None,
        scope_name: str = "",
    ):
        self.year = year
        self.scope_name = scope_name
        self.scope = scope
        self.org_id = org_id
        self.checklist = checklist
        self.period = Period.year(year)
        self._memo: dict[str, Figure] = {}

    def figure(self, token: Token) -> Figure:
        if token.raw not in self._memo:
            self._memo[token.raw] = self._figure(token)
        return self._memo[token.raw]

    def _figure(self, token: Token) -> Figure:
        raw = "{%s}" % token.raw
        if token.key == "year":
            return Figure(str(self.year), raw)
        if token.key == "scope":
            if not self.scope_name:
                return Figure("〔未指定范围〕", raw, missing=True)
            return Figure(self.scope_name, raw)
        if token.key.startswith("checklist."):
            if self.checklist is None:
                return Figure("〔未建清单〕", raw, missing=True)
            value = (
                self.checklist.title if token.key.endswith("title") else self.checklist.issued_by
            )
            return Figure(value, raw)
        m = registry.REGISTRY.get(token.key)
        if m is None:
            return Figure("〔指标未启用：%s〕" % token.key, raw, missing=True)
        try:
            records = m.records(period=self.period, scope=self.scope, **token.params)
        except TypeError:
            return Figure("〔指标参数有误：%s〕" % raw, raw, missing=True)
        url = drilldown_url(token.key, year=self.year, params=token.params, org=self.org_id)
        # From the monthly summary where the measure is kept there, else from the records.
        value: Any = summary.value(m, period=self.period, scope=self.scope, params=token.params)
        if value is None:
            value = m.value_of(records, period=self.period, **token.params)
        text = number(value)
        for f in token.filters:
            if f == "approx":
                text = approx(value)
            elif f in ("titles", "names"):
                items = records.order_by("pk")
                text = "、".join(_item_text(o, titles=f == "titles") for o in items)
            elif f in ("villages", "village_count"):
                names = []
                if m.village_field:
                    names = list(
                        records.order_by(f"{m.village_field}__name")
                        .values_list(f"{m.village_field}__name", flat=True)
                        .distinct()
                    )
                names = [n for n in names if n]
                text = "、".join(names) if f == "villages" else str(len(names))
            elif f.startswith("months"):
                lookup = f.partition(":")[2] or m.date_field
                months = []
                if lookup:
                    try:
                        months = sorted(
                            set(
                                records.order_by()
                                .annotate(_m=ExtractMonth(lookup))
                                .values_list("_m", flat=True)
                            )
                        )
                    except FieldError:
                        return Figure("〔字段有误：%s〕" % raw, raw, missing=True)
                text = "、".join(f"{mo}月" for mo in months if mo)
            elif f.startswith("count:"):
                field = f.split(":", 1)[1]
                try:
                    text = str(records.order_by().values(field).distinct().count())
                except FieldError:
                    return Figure("〔字段有误：%s〕" % raw, raw, missing=True)
        return Figure(text, raw, url)

    def segments(self, text: str) -> list[str | Figure]:
        """The wording as text and figures, optional parts that have nothing to say left out."""
        root: list = []
        stack = [root]
        pos = 0
        for match in PIECE.finditer(text):
            if match.start() > pos:
                stack[-1].append(text[pos : match.start()])
            piece = match.group(0)
            if piece == "[":
                part: list = []
                stack[-1].append(part)
                stack.append(part)
            elif piece == "]":
                if len(stack) > 1:
                    stack.pop()
                else:
                    stack[-1].append(piece)  # unbalanced: shown as typed
            else:
                try:
                    token = parse_token(piece[1:-1])
                except ValidationError:
                    stack[-1].append(piece)
                else:
                    stack[-1].append(self.figure(token))
            pos = match.end()
        if pos < len(text):
            stack[-1].append(text[pos:])
        out, _dropped = self._flatten(root, top=True)
        return _tidy(out)

    def _flatten(self, part: list, *, top: bool = False) -> tuple[list[str | Figure], bool]:
        out: list[str | Figure] = []
        own_figures = [p for p in part if isinstance(p, Figure)]
        children = 0
        dropped_children = 0
        for p in part:
            if isinstance(p, list):
                children += 1
                sub, dropped = self._flatten(p)
                if dropped:
                    dropped_children += 1
                else:
                    out.extend(sub)
            else:
                out.append(p)
        if top:
            return out, False
        if any(f.empty for f in own_figures):
            return [], True
        if not own_figures and children and dropped_children == children:
            return [], True
        return out, False

    def plain(self, text: str) -> str:
        return "".join(s if isinstance(s, str) else s.text for s in self.segments(text))


def _tidy(segments: list[str | Figure]) -> list[str | Figure]:
    """Merge neighbouring text and drop punctuation a left-out part leaves dangling."""
    merged: list[str | Figure] = []
    for s in segments:
        if isinstance(s, str) and merged and isinstance(merged[-1], str):
            merged[-1] += s
        elif not (isinstance(s, str) and not s):
            merged.append(s)
    return [DANGLING.sub(r"\1", s) if isinstance(s, str) else s for s in merged]


@dataclass
class RenderedReport:
    year: int
    title: list
    sections: list[tuple[str, Any, list]]  # (section key, section label, segments)
    draft: ReportDraft | None
    checklist: Checklist | None
    # False: the scope has no wording of its own and the default speaks for the sub-district
    offered: bool = True

    def plain_title(self) -> str:
        return "".join(s if isinstance(s, str) else s.text for s in self.title)

    def plain_sections(self) -> list[tuple[str, str]]:
        return [
            (key, "".join(s if isinstance(s, str) else s.text for s in segs))
            for key, _label, segs in self.sections
        ]


def is_village_scope(scope_org) -> bool:
    """The organisation that stands for a whole village: it has a village and its parent does not
    (a village's 党委, 总支, or a 党支部 directly under the sub-district)."""
    if scope_org is None or not scope_org.village_id:
        return False
    parent = scope_org.parent
    return parent is None or parent.village_id != scope_org.village_id


def scope_name(scope_org) -> str:
    """How the summary names its scope: the village's name for a village, else the organisation."""
    if scope_org is None:
        return ""
    if is_village_scope(scope_org):
        return scope_org.village.name
    return scope_org.name


def default_wording(scope_org) -> dict[str, str] | None:
    """The default wording (title and sections) that speaks for ``scope_org``: the sub-district's
    for its working committee (or the whole tree), the village's for a village, else None."""
    if scope_org is None or scope_org.kind == scope_org.Kind.WORKING_COMMITTEE:
        return {"title": DEFAULT_TITLE, **{k.value: v for k, v in DEFAULT_SECTIONS.items()}}
    if is_village_scope(scope_org):
        return {
            "title": DEFAULT_VILLAGE_TITLE,
            **{k.value: v for k, v in DEFAULT_VILLAGE_SECTIONS.items()},
        }
    return None


def default_wording_applies(scope_org) -> bool:
    return default_wording(scope_org) is not None


def wording_for(year: int, scope_org) -> dict[str, str] | None:
    """The saved wording for (year, scope), or the default that speaks for it (else None)."""
    draft = None
    if scope_org is not None:
        draft = ReportDraft.objects.filter(year=year, scope=scope_org).first()
    if draft is not None:
        return {"title": draft.title, **draft.sections(), "_draft": draft}
    return default_wording(scope_org)


def render_report(*, year: int, scope: str, scope_org=None) -> RenderedReport:
    """The summary for (year, scope); ``offered`` is False (and nothing is computed) when the
    scope has no wording of its own and the default speaks for the sub-district."""
    checklist = Checklist.objects.filter(year=year).first()
    wording = wording_for(year, scope_org)
    if wording is None:
        return RenderedReport(
            year=year, title=[], sections=[], draft=None, checklist=checklist, offered=False
        )
    renderer = Renderer(
        year=year,
        scope=scope,
        checklist=checklist,
        org_id=getattr(scope_org, "pk", None),
        scope_name=scope_name(scope_org),
    )
    sections = [(s.value, s.label, renderer.segments(wording[s.value])) for s in Section]
    return RenderedReport(
        year=year,
        title=renderer.segments(wording["title"]),
        sections=sections,
        draft=wording.get("_draft"),
        checklist=checklist,
    )


def as_markdown(report: RenderedReport) -> str:
    lines = [f"# {report.plain_title()}", ""]
    for _key, text in report.plain_sections():
        lines += [text, ""]
    return "\n".join(lines)
