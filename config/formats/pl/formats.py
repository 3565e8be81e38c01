"""How Polish pages write dates and times: "6 gru 2026, 14:05" (docs/i18n.md)."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M, H:i"
TIME_FORMAT = "H:i"
