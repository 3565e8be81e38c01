"""How English pages write dates and times (Django's named formats; docs/i18n.md).

Times on pages are UTC and the templates say so; these formats carry no zone.
"""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
# Within the current year's tables (orders, fills): no year.
SHORT_DATETIME_FORMAT = "j M, H:i"
TIME_FORMAT = "H:i"
