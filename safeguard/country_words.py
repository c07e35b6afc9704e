"""The school's country decides the words and the date order of English pages (issue 13 item 9).

One English for people, two for schools: a person chooses "English"; a school in the United States reads it as
American English (``en-us``: student, grade, principal, district, board, semester; month-first dates), every other
school as British English (``en-gb``: pupil, year group, headteacher, trust, governors, term; day-first dates).

Why a language variant and not a new choice in ``settings.LANGUAGES``: the person's choice stays one word
("English"), and ``LANGUAGES`` is the choice list of several model fields (a school's default language, a carer's
preferred language, a policy's language), which a new entry would change with migrations in four apps. The variant
is only activated, never stored.

- ``english_variant(language, country)``: the language code to activate for a reader of ``language`` in a school of
  ``country``.
- ``school_language(school)``: the language a school's own documents are written in (its default language, English
  as its country writes it) — for ``translation.override`` around a school's PDF, e-mail or stored form text.
- ``context_country(context)``: the country of the school a template context (an e-mail's, a PDF's) is about.
- ``americanise(text)``: a British English message in American English, by whole-word, case-preserving rules; the
  catalogue ``locale/en_US/LC_MESSAGES/django.po`` is built from it (``scripts/make_en_us_catalogue.py``), holding
  only the messages it changes (the others fall back to their British English source text).
"""

import re

US_ENGLISH = "en-us"
# Variants the product activates but does not offer as a choice, each with the language a person chooses.
VARIANTS = {US_ENGLISH: "en-gb"}
UNITED_STATES = "united_states"  # School.Country.UNITED_STATES (no model import: the middleware and e-mails use this)


def is_english(language):
    """True for ``en``, ``en-gb``, ``en-us`` … (``language`` a code or None)."""
    return (language or "").lower().split("-")[0] == "en"


def english_variant(language, country):
    """The code to activate for a reader who chose ``language`` in a school of ``country`` (a ``School.Country``
    value, or "" when no school is known): ``en-us`` for English in a US school, ``en-gb`` for English anywhere else,
    any other language unchanged."""
    if not is_english(language):
        return language
    return US_ENGLISH if country == UNITED_STATES else "en-gb"


def school_country(obj):
    """The country of the school ``obj`` is or belongs to (a ``School``, or anything with a ``school``), else ""."""
    for candidate in (obj, getattr(obj, "school", None)):
        country = getattr(candidate, "country", None)
        if isinstance(country, str) and hasattr(candidate, "default_language"):
            return country
    return ""


def school_language(school, language=None):
    """The code to write a document of ``school`` (a ``School``) in: ``language`` (a code, e.g. a policy's or a
    reader's) or else the school's default language, with English as the school's country writes it — ``en-us`` for
    a US school, whose ``default_language`` is "en-gb" (``LANGUAGES`` has one English)."""
    return english_variant(language or school.default_language, school.country)


def context_country(context):
    """The country of the school a document or e-mail is about: ``context["school"]`` (a ``School``), else the
    school of the first value in ``context`` (a dict) that belongs to one (a pupil, an incident, a report …); ""
    when none does. E-mails (``safeguard.emails``) and PDFs (``safeguard.pdf``) write English as that school does."""
    country = school_country(context.get("school"))
    if country:
        return country
    for value in context.values():
        if getattr(value, "school_id", None) is not None:
            country = school_country(value)
            if country:
                return country
    return ""


# --- British → American words -------------------------------------------------------------------------------------

# A message naming another country's own structures is left as written: "England: three terms" is the English
# calendar's name even on a US page; the relationship values are what the roster import reads.
_KEEP_MESSAGE = re.compile(
    r"England|English|Wales|Scotland|Northern Ireland|Türkiye|Turkish|multi-academy|\b(autumn|spring|summer) term"
    r"|three terms|Step-parent|day first",
    re.IGNORECASE,
)
# Words inside these are never changed: placeholders (%(pupil)s, {name}, %s), HTML tags and entities, and UK terms
# whose names are what they are (UPN = unique pupil number; pupil premium is a UK grant).
_PROTECTED = re.compile(
    r"%\([^)]*\)[a-zA-Z]|%[a-zA-Z%]|\{\{.*?\}\}|\{[^{}]*\}|<[^>]*>|&\w+;"
    r"|\bpupil premium\b|\bunique pupil number\b|\b(?:half|long|short)-terms?\b|\bterms and conditions\b",
    re.IGNORECASE,
)
_VERB_BEFORE_TRUST = {"i", "we", "you", "they", "to", "not", "can", "will", "should", "must"}
_VERB_OBJECT = re.compile(r" (?:the|this|that|these|those|it|them|us|me|him|her|your|our|their|its)\b", re.IGNORECASE)

# (British words, American words): a regular expression (matched whole, any case) and its replacement, tried in this
# order, so longer phrases come first.
_RULES = [
    # trust / district: the British text often names both
    (r"trusts?, (?:a )?districts? or (?:a )?schools?", "district or school"),
    (r"a trust, a district", "a district"),
    (r"trusts or districts", "districts"),
    (r"trust or district", "district"),
    (r"trust/district", "district"),
    (r"whole-trust", "district-wide"),
    (r"trusts", "districts"),
    (r"trust", "district"),
    # headteacher / principal
    (r"head ?teachers or principals", "principals"),
    (r"head ?teacher or principal", "principal"),
    (r"head ?teacher/principal", "principal"),
    (r"deputy head ?teachers", "assistant principals"),
    (r"deputy head ?teacher", "assistant principal"),
    (r"head ?teachers", "principals"),
    (r"head ?teacher", "principal"),
    # governors / board
    (r"governing bodies", "boards"),
    (r"governing body", "board"),
    (r"governors' reports", "board reports"),
    (r"governors' report", "board report"),
    (r"governor reports", "board reports"),
    (r"governor report", "board report"),
    (r"to governors", "to the board"),
    (r"governors or board members", "board members"),
    (r"governor or board member", "board member"),
    (r"governors/board", "board"),
    (r"governors'", "board members'"),
    (r"governors", "board members"),
    (r"governor", "board member"),
    # pupil / student; year group / grade; academic year / school year
    (r"pupils or students", "students"),
    (r"pupil or student", "student"),
    (r"pupils", "students"),
    (r"pupil", "student"),
    (r"year groups or grades", "grades"),
    (r"year group or grade", "grade"),
    (r"year groups", "grades"),
    (r"year group", "grade"),
    (r"academic years", "school years"),
    (r"academic year", "school year"),
    # term / semester
    (r"terms or semesters", "semesters"),
    (r"term or semester", "semester"),
    (r"termly reports", "semester reports"),
    (r"termly report", "semester report"),
    (r"termly figures", "semester figures"),
    (r"termly", "each semester"),
    (r"terms", "semesters"),
    (r"term", "semester"),
    # carer / guardian (US schools say "parent/guardian"; a foster carer is a foster parent)
    (r"foster carers", "foster parents"),
    (r"foster carer", "foster parent"),
    (r"carers or guardians", "guardians"),
    (r"carer or guardian", "guardian"),
    (r"carers", "guardians"),
    (r"carer", "guardian"),
    # special needs and English learners: the US abbreviations (an IEP, an English language learner)
    (r"(?-i:SEN)", "IEP"),
    (r"(?-i:EAL)", "ELL"),
    # a date pattern is written month first (as the dates themselves are, see ``month_first``)
    (r"(?-i:DD/MM/YYYY)", "MM/DD/YYYY"),
    # spelling
    (r"behavioural", "behavioral"),
    (r"behaviours", "behaviors"),
    (r"behaviour", "behavior"),
    (r"organisations", "organizations"),
    (r"organisation", "organization"),
    (r"colours", "colors"),
    (r"colour", "color"),
    (r"centres", "centers"),
    (r"centre", "center"),
    (r"programmes", "programs"),
    (r"programme", "program"),
    (r"catalogues", "catalogs"),
    (r"catalogue", "catalog"),
    (r"licences", "licenses"),
    (r"licence", "license"),
    (r"judgements", "judgments"),
    (r"judgement", "judgment"),
    (r"favourites", "favorites"),
    (r"favourite", "favorite"),
    (r"maths", "math"),
    *[
        (rf"{stem}(e|ed|es|ing)", f"{stem[:-1]}z")
        for stem in ("organis", "authoris", "recognis", "summaris", "apologis", "minimis", "prioritis")
    ],
]
_PATTERN = re.compile(
    r"(?:\b(?P<article>an?)\s+)?\b(?P<word>" + "|".join(f"(?:{pattern})" for pattern, _ in _RULES) + r")(?![\w-])",
    re.IGNORECASE,
)
_COMPILED = [(re.compile(rf"(?:{pattern})\Z", re.IGNORECASE), american) for pattern, american in _RULES]


def _with_case(model, text):
    if model.isupper() and len(model) > 1:
        return text.upper()
    if model[:1].isupper():
        return text[:1].upper() + text[1:]
    return text


def _american(word):
    """The American words for one matched British word or phrase (case as written)."""
    for pattern, american in _COMPILED:
        match = pattern.match(word)
        if match:
            ending = match.group(1).lower() if pattern.groups else ""  # organise → organize, organised → organized
            return _with_case(word, american + ending)
    return word


def _replace_plain(text):
    def replace(match):
        word = match.group("word")
        article = match.group("article")
        start = match.start("word")
        before = text[: match.start()].split()
        if (
            word.lower() == "trust"
            and article is None
            and ((before and before[-1].lower() in _VERB_BEFORE_TRUST) or _VERB_OBJECT.match(text, match.end()))
        ):
            return match.group(0)  # "we trust", "to trust", "Trust the provider's claim": the verb
        american = _american(word)
        if article is None:
            return text[match.start() : start] + american if match.start() != start else american
        new_article = "an" if american[:1].lower() in "aeiou" else "a"
        return _with_case(article, new_article) + text[match.end("article") : start] + american

    return _PATTERN.sub(replace, text)


def americanise(text):
    """``text`` (a British English message) in American English: the school words (pupil → student, year group →
    grade, headteacher → principal, trust → district, governors → board members, term → semester, academic year →
    school year, carer → guardian) and common spellings (behaviour → behavior …), case kept, "a"/"an" fixed.
    Placeholders, HTML tags and UK-only names (pupil premium, unique pupil number) are left alone, as are messages
    that name another country's own structures. Returns ``text`` itself when nothing changes."""
    if not text or _KEEP_MESSAGE.search(text):
        return text
    parts = []
    position = 0
    for protected in _PROTECTED.finditer(text):
        parts.append(_replace_plain(text[position : protected.start()]))
        parts.append(protected.group(0))
        position = protected.end()
    parts.append(_replace_plain(text[position:]))
    return "".join(parts)


# --- Dates ---------------------------------------------------------------------------------------------------------

_DAY_FIRST = re.compile(
    r"^(?P<weekday>[lD],? )?(?P<day>[jd])(?P<sep>[ /.-])(?P<month>[FMNEbmn])(?:(?P=sep)(?P<year>[Yy]))?(?P<rest>.*)$"
)


def month_first(date_format):
    """``date_format`` (a Django date format written day-first, as the pages are: "j F Y", "j M Y H:i", "d/m/Y",
    "l j F Y, H:i", "j M") written month-first as Americans read dates: "F j, Y", "M j, Y H:i", "m/d/Y",
    "l, F j, Y, H:i", "M j". Any other format (ISO "Y-m-d", named formats such as "SHORT_DATE_FORMAT", times) is
    returned unchanged."""
    match = _DAY_FIRST.match(date_format or "")
    if not match:
        return date_format
    weekday = f"{match['weekday'].rstrip(', ')}, " if match["weekday"] else ""
    day, month, year, rest = match["day"], match["month"], match["year"], match["rest"]
    if match["sep"] in "/.-" and month in "mn":
        return f"{weekday}{month}/{day}" + (f"/{year}" if year else "") + rest
    if match["sep"] != " ":
        return date_format
    return f"{weekday}{month} {day}" + (f", {year}" if year else "") + rest


def reads_month_first():
    """True when the active language writes dates month-first (its short date format starts with the month):
    American English."""
    from django.utils import formats

    return formats.get_format("SHORT_DATE_FORMAT").lstrip("\\").startswith(("m", "n"))


def local_date_format(date_format):
    """``date_format`` as the active language orders dates: month-first for American English (``month_first``),
    as written otherwise."""
    return month_first(date_format) if reads_month_first() else date_format


def local_date(value, date_format):
    """``value`` (a date or datetime) formatted with ``date_format`` (written day-first, e.g. "j M Y") in the
    active language's order — "4 Dec 2026" in British English and Turkish, "Dec 4, 2026" in American English. For
    dates made in Python (messages, chart labels) what the ``date`` template filter does for templates."""
    from django.utils import formats

    return formats.date_format(value, local_date_format(date_format))
