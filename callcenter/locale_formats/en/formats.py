"""English, the product's language: day, short month, year and a 24-hour clock,
as `callcenter.formats.moment` writes them (which leaves out the current year)."""

DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
