"""Dates made in Python (banners, chart labels, report lines) follow the reader's order as template dates do."""

import datetime

from django.utils import translation

from safeguard.country_words import local_date

DAY = datetime.date(2026, 12, 4)


def test_british_english_and_turkish_read_day_first():
    with translation.override("en-gb"):
        assert local_date(DAY, "j F Y") == "4 December 2026"
        assert local_date(DAY, "j M") == "4 Dec"
    with translation.override("tr"):
        assert local_date(DAY, "j F Y") == "4 Aralık 2026"


def test_american_english_reads_month_first():
    with translation.override("en-us"):
        assert local_date(DAY, "j F Y") == "December 4, 2026"
        assert local_date(DAY, "j M Y") == "Dec 4, 2026"
        assert local_date(DAY, "j M") == "Dec 4"
