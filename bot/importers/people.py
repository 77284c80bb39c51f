"""Who spoke, read from free text: Sched's speaker tails and Sessionize's tag lines.

One grammar and one set of word lists, so both readers agree on what a job title, a company
and a person's name look like. Sched puts the speakers in SUMMARY, after the title's last " - ":

    Title - Name, Company & Name, Company
    Title - Name & Name, Company; Name, Company; Name, Company
    Title - Name, Name & Name, Company & Name, Company
    Keynote: Title - Name, Job Title, Company & Name, Job Title, Company
    Title - Name, Job Title                       (a role, no company)
    Title - Name, Company & Cie SA & Name, Company (a company with "&" in it)
    Title?- Flynn, Company                         (no space before the dash; one-word names)
    Title -Name, Company                           (no space after it)
    Title - Name & Name                            (no companies)
    Title - Name, Founder & CEO, Company           (a job title with "&" in it)
    Title - Name, Senior Engineer - Compilers, Co  (a job title with a dash in it)
    Title - Name, Company, Name, Company, ...      (pairs, without "&")

Groups are joined by "; " (or " & " when there are two), the people of a group by ", " and a
last " & " (" and " in some entries), and each group ends with the company. So "X, Y & Z, W" is
either X at Y and Z at W, or X, Y and Z at W: the reader decides from what the whole file says
about Y (a company elsewhere, a person elsewhere) and from what Y looks like. What cannot be
read as people stays in the title, so no text is lost.

About 500 lines, kept together: a third of it is the word lists, and the grammar is only right
with the very lists it reads (splitting them apart would let one change without the other).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from bot.importers.records import SpeakerRecord
from bot.importers.text import clean_text
from bot.text import fold, words

# Parts of a company name that a comma separates from the rest ("Huawei Technologies Co., Ltd").
LEGAL_SUFFIX = re.compile(
    r"^(ltd|ltd\.|inc|inc\.|llc|l\.l\.c\.|gmbh|ag|se|sa|s\.a\.|bv|b\.v\.|plc|corp|corp\.|co\.)$",
    re.IGNORECASE,
)
# A legal form or an organisation word ending a tag line part: that part is a company.
LEGAL_END = re.compile(
    r"\b(gmbh|inc\.?|ltd\.?|llc|ag|plc|s\.a\.|b\.v\.|corp\.?|group|labs|foundation|university)$",
    re.IGNORECASE,
)
# Words that make a name an organisation's ("Allianz Technology", "Google Cloud").
ORG_WORDS = frozenset(
    [
        "technology",
        "technologies",
        "tech",
        "innovation",
        "innovations",
        "space",
        "cloud",
        "labs",
        "lab",
        "systems",
        "software",
        "solutions",
        "services",
        "networks",
        "security",
        "group",
        "bank",
        "foundation",
        "university",
        "institute",
        "research",
        "media",
        "games",
        "mobile",
        "digital",
        "consulting",
        "partners",
        "company",
        "corp",
        "co",
        "corporation",
        "works",
        "plc",
        "inc",
        "llc",
        "gmbh",
        "ltd",
        "ag",
        "sa",
        "cie",
        "hub",
        "center",
        "centre",
        "hospital",
        "energy",
        "telecom",
        "global",
        "international",
        "computing",
        "analytics",
        "academy",
        "school",
        "studio",
        "studios",
        "industries",
        "ventures",
        "agency",
        "association",
        "project",
        "community",
        "team",
        "independent",
        "freelance",
        "freelancer",
    ]
)
# Words of job titles ("Name, Staff Engineer, Company"): a part with one is a role, not a company.
JOB_WORDS = frozenset(
    [
        "engineer",
        "engineers",
        "engineering",
        "director",
        "ceo",
        "cto",
        "cio",
        "coo",
        "cfo",
        "ciso",
        "vp",
        "president",
        "founder",
        "cofounder",
        "manager",
        "head",
        "lead",
        "principal",
        "staff",
        "senior",
        "architect",
        "architects",
        "architekt",
        "developer",
        "developers",
        "advocate",
        "maintainer",
        "maintainers",
        "chair",
        "officer",
        "scientist",
        "researcher",
        "consultant",
        "evangelist",
        "specialist",
        "analyst",
        "professor",
        "technologist",
        "executive",
        "fellow",
        "ambassador",
        "admiral",
        "trainer",
        "mvp",
        "enthusiast",
        "student",
        "teacher",
        "lehrer",
        "owner",
        "expert",
        "freelancer",
        "speaker",
        "author",
        "contributor",
        "committer",
        "sre",
        "devops",
        "reviewer",
        "member",
        "organizer",
        "organiser",
        "coordinator",
        "strategist",
        "designer",
        "programmer",
        "intern",
        "lecturer",
        "editor",
        "representative",
        "liaison",
        "steward",
        "emeritus",
    ]
)
# Lower-case words that belong in people's names ("Geraldine de Bastion").
PARTICLES = frozenset(
    [
        "van",
        "von",
        "der",
        "den",
        "de",
        "da",
        "das",
        "do",
        "dos",
        "du",
        "di",
        "del",
        "della",
        "la",
        "le",
        "bin",
        "binti",
        "al",
        "el",
        "ten",
        "ter",
        "y",
        "zu",
        "af",
    ]
)
# Lower-case words that may sit inside a company's name ("Bank of America").
_ORG_SMALL = frozenset(
    ["at", "by", "of", "for", "de", "du", "der", "des", "la", "le", "the", "fur", "für", "und"]
)
_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_'’.-]*(?:['’.-][^\W\d_]*)*\.?$")
_NICKNAME = re.compile(r'^["“‘\'(][^\W\d_][^"”’\')]*["”’\')]$')  # Ana "Nick" Pérez
# Han, kana and Hangul: a whole name is often one word of two to five characters ("王小明")
_CJK_NAME = re.compile(r"^[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af·・]{2,8}$")


def _caseless(word: str) -> bool:
    """A word of a script without capitals (Hebrew, Arabic, Han): no case to check."""
    return word[0].isalpha() and word[0].upper() == word[0].lower()


@lru_cache(maxsize=8192)  # pure, and asked of the same parts again and again
def name_like(text: str, *, strict: bool = False, single: bool = False) -> bool:
    """Could this be a person's name? Two to six words, capitalised but for particles and
    scripts that have no capitals.

    strict: also every word capitalised then lower case ("Peter Jausovec", not "SAP Labs"),
    and no organisation word: then it looks more like a person than a company.
    single: one word will do ("Flynn"), when the grammar says a name stands here.
    """
    parts = [w for w in text.split() if not _NICKNAME.match(w)]
    cjk = len(parts) == 1 and bool(_CJK_NAME.match(parts[0]))
    if not (1 if single or cjk else 2) <= len(parts) <= 6 or len(parts) < len(text.split()) - 1:
        return False
    for w in parts:
        if w.lower() in PARTICLES and len(parts) > 1:
            continue
        if not _NAME_WORD.match(w):
            return False
        if _caseless(w):
            continue
        if not w[0].isupper():
            return False
        if (strict or len(parts) == 1) and (w[1:] != w[1:].lower() or len(w) < 2):
            return False
    folded = set(words(text))
    if len(parts) == 1 and folded & (ORG_WORDS | JOB_WORDS):
        return False
    return not (strict and folded & ORG_WORDS) and not _job_named(text)


# Job words that are also surnames ("Anna Head", "Tom Fellow"): alone they do not make a
# name a job title.
_ALSO_SURNAMES = frozenset(
    ["head", "lead", "staff", "fellow", "chair", "owner", "speaker", "author", "student"]
)
_ONLY_JOBS = JOB_WORDS - _ALSO_SURNAMES


def _job_named(text: str) -> bool:
    """'Core Maintainer', 'Kubernetes Specialist', 'Senior Engineer': a job, not a person."""
    found = words(text)
    return bool(found) and is_role(text) and (found[0] in _ONLY_JOBS or found[-1] in _ONLY_JOBS)


def org_like(text: str) -> bool:
    """Could this be a company's name? Capitalised words, digits or symbols ("Stuff and More"
    is not; "Bank of America", "Banque Exemple & Cie SA" are)."""
    for w in text.replace("&", " ").split():
        if w[0].islower() and w.lower() not in _ORG_SMALL and not w.startswith(("e", "i")):
            return False  # eBay, iQiyi pass; "and", "friends" do not
    return bool(text.strip())


@lru_cache(maxsize=8192)
def is_role(text: str) -> bool:
    """'Core Maintainer', 'Principal Engineer', 'Research Scientist': a job title, not an
    organisation (a job word, and no organisation word unless the title ends in its job)."""
    found = words(text)
    if not set(found) & JOB_WORDS:
        return False
    return not set(found) & ORG_WORDS or found[-1] in JOB_WORDS


@lru_cache(maxsize=8192)
def _roleish(text: str) -> bool:
    """Has a job word at all: 'Executive Director' and what follows it in "Name, Executive
    Director, Cloud and Infrastructure, Company" describe the job."""
    return bool(set(words(text)) & JOB_WORDS)


@dataclass
class Known:
    """Who the whole file says is a company or a person, where its grammar is unambiguous."""

    companies: set[str] = field(default_factory=set)
    people: set[str] = field(default_factory=set)

    def learn(self, tail: str) -> None:
        for group in tail.split(";"):
            segments = _and_split(group)
            parts = _parts(segments[-1])
            if len(parts) >= 2 and name_like(parts[0]) and not is_role(parts[-1]):
                self.companies.add(fold(parts[-1]))
                self.people.add(fold(parts[0]))
                for seg in segments[:-1]:
                    if "," not in seg and name_like(seg.strip(), strict=True):
                        self.people.add(fold(seg))

    def is_company(self, text: str) -> bool:
        """In "X, Y & Z, W": is Y a company (X at Y), or one more person (X, Y and Z at W)?"""
        key = fold(text)
        if key in self.companies:
            return True
        if key in self.people:
            return False
        first = key.split(" ", 1)[0]
        if first in self.companies and first not in self.people:  # "Google Cloud"
            return True
        return not name_like(text, strict=True)

    def is_person(self, text: str) -> bool:
        key = fold(text)
        if key in self.people:
            return True
        return key not in self.companies and name_like(text, strict=True)


def _parts(segment: str) -> list[str]:
    """'Zhonghu Xu, Huawei Co., Ltd' -> ['Zhonghu Xu', 'Huawei Co., Ltd']: legal forms rejoined."""
    parts: list[str] = []
    for p in (p.strip() for p in segment.split(",")):
        if parts and LEGAL_SUFFIX.match(p):
            parts[-1] = f"{parts[-1]}, {p}"
        elif p:
            parts.append(p)
    return parts


_AND = re.compile(r"\s+and\s+")


def _and_split(group: str) -> list[str]:
    """Split a group at " & ", and at " and " where a person's name follows (not "Cloud and
    Infrastructure", a job title). A piece that starts with a job title goes on the job
    before it ("Maintainer & Fellow, Acme", "Founder & CEO"): it is nobody's name."""
    segments: list[str] = []
    for piece in group.split(" & "):
        start = 0
        for m in _AND.finditer(piece):
            following = piece[m.end() :].split(",", 1)[0].strip()
            if name_like(following, strict=True):
                segments.append(piece[start : m.start()])
                start = m.end()
        segments.append(piece[start:])
    out: list[str] = []
    for seg in (s.strip() for s in segments):
        first = seg.split(",", 1)[0].strip()
        if out and "," in out[-1] and is_role(first) and not name_like(first, strict=True):
            out[-1] = f"{out[-1]} & {seg}"
        else:
            out.append(seg)
    return out


def _join_ampersand_companies(segments: list[str], known: Known) -> list[str]:
    """'Jane Doe, Banque Exemple' + 'Cie SA' -> one segment: a part with no comma after a
    "Name, Company" part is the company going on, unless it reads as a person."""
    out: list[str] = []
    for seg in segments:
        if out and "," in out[-1] and "," not in seg and not known.is_person(seg):
            out[-1] = f"{out[-1]} & {seg}"
        else:
            out.append(seg)
    return out


def _runs(parts: list[str], known: Known, last: bool) -> list[tuple[str, list[str]]]:
    """A segment's parts as people, each with the parts that describe them:
    "Ann Lee, Acme, Bo Yang, Initech" -> [("Ann Lee", ["Acme"]), ("Bo Yang", ["Initech"])];
    "Ann Lee, Staff Engineer, Acme" -> [("Ann Lee", ["Staff Engineer", "Acme"])]."""
    runs: list[tuple[str, list[str]]] = [(parts[0], [])]
    for j, part in enumerate(parts[1:], 1):
        about = runs[-1][1]
        final = j == len(parts) - 1
        if is_role(part):
            about.append(part)
        elif any(_roleish(p) for p in about):  # "Director, Cloud and Infrastructure, Company"
            if fold(part) in known.people and not final:
                runs.append((part, []))
            else:
                about.append(part)
        elif final and last and not about:
            about.append(part)  # "Name, Company" ends the group: always a company
        elif known.is_company(part):
            about.append(part)
        elif not about and len(runs) > 1 and runs[-2][1] and fold(part) not in known.people:
            about.append(part)  # "Name, Company, Name, Company": the pairs go on
        else:  # another person: "Name, Name & Name, Company" or "Name, Company, Name, ..."
            runs.append((part, []))
    return runs


def _company(about: list[str]) -> str | None:
    """The company among what describes a person: the last part that is not a job title."""
    return next((p for p in reversed(about) if not is_role(p)), None)


def parse_people(tail: str, known: Known) -> list[SpeakerRecord] | None:
    """The people of a summary's tail, or None when it does not read as a list of people."""
    people: list[SpeakerRecord] = []
    singles: set[str] = set()  # one-word names, allowed where the grammar puts a name
    for group in tail.split(";"):
        segments = _join_ampersand_companies(_and_split(group), known)
        pending: list[str] = []
        for i, segment in enumerate(segments):
            parts = _parts(segment)
            if not parts:
                return None
            for name, about in _runs(parts, known, i == len(segments) - 1):
                if not about:
                    pending.append(name)  # shares the company that follows
                    continue
                company = _company(about)
                if len(name.split()) == 1 and company is not None and not org_like(company):
                    return None  # "Why - Things, Stuff and More" is a title, not Things at Stuff
                singles.add(name)
                people.extend(SpeakerRecord(n, company) for n in [*pending, name])
                pending = []
        people.extend(SpeakerRecord(n) for n in pending)  # names with no company at all
    if not people or not all(name_like(p.name, single=p.name in singles) for p in people):
        return None
    return people


# The speakers' dash: " - ", "- " right after the title ("Ready?- ", "Awareness- "), or " -"
# right before a name ("Ready? -Ada Lovelace").
_DASH = re.compile(r"\s+-\s+|(?<=[\w?!.)\"'’”])-\s+|\s+-(?=[^\W\d_])")


def split_summary(summary: str, known: Known) -> tuple[str, list[SpeakerRecord]]:
    """A Sched SUMMARY as (title, speakers); the whole summary as the title when it names none."""
    head, tail = split_tail(summary)
    if tail is None or not head.strip():
        return summary, []
    if "," not in tail and not _bare_names(tail, known):
        return summary, []
    people = parse_people(tail, known)
    if people is None:
        return summary, []
    return head.strip(), people


def _bare_names(tail: str, known: Known) -> bool:
    """'Ada Lovelace & Alan Turing': names with no company, where every one is clearly a name
    (two or more of them, or one the file names elsewhere)."""
    names = _and_split(tail)
    if len(names) == 1:
        return fold(tail) in known.people
    return all(
        fold(n) in known.people or (name_like(n, strict=True) and fold(n) not in known.companies)
        for n in names
    )


def split_tail(summary: str) -> tuple[str, str | None]:
    """The summary before its speakers' dash, and what follows it (None: no dash).

    The last dash, unless it is inside a job title: in "Title - Ada Lovelace, Senior Engineer
    - Compilers, Acme" the dash before her name is the speakers' one.
    """
    dashes = list(_DASH.finditer(summary))
    if not dashes:
        return summary, None
    m = dashes[-1]
    if len(dashes) > 1:
        before = dashes[-2]
        between = _parts(summary[before.end() : m.start()])
        if len(between) >= 2 and name_like(between[0]) and _roleish(between[-1]):
            m_start, tail_start = before.start(), before.end()
            return summary[:m_start], summary[tail_start:]
    return summary[: m.start()], summary[m.end() :]


def company_of(tag_line: str | None) -> str | None:
    """A Sessionize tag line's company: 'Software Engineer at Dynatrace' -> 'Dynatrace';
    'Founder & Enthusiast' -> None."""
    text = clean_text(tag_line)
    if not text:
        return None
    if m := _AT.search(text):
        return m.group("company").strip() or None
    parts = [p.strip() for p in re.split(r"[,|;]", text) if p.strip()]
    for part in parts:
        if LEGAL_END.search(part):
            return part
    if len(parts) == 1 and len(text.split()) <= 3 and not set(words(text)) & JOB_WORDS:
        return text
    return None


_AT = re.compile(r"(?:\s@\s*|\s+at\s+)(?P<company>[^,|;@]+?)\s*$", re.IGNORECASE)
