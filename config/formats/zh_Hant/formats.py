"""How Traditional Chinese pages write dates and times: "2026年12月6日 14:05"
(docs/i18n.md)."""

DATE_FORMAT = "Y年n月j日"
DATETIME_FORMAT = "Y年n月j日 H:i"
SHORT_DATETIME_FORMAT = "n月j日 H:i"
TIME_FORMAT = "H:i"
