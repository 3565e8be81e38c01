"""How Polish pages write dates and times: "6 grudnia 2026, 14:05" (docs/i18n.md).

The month in the genitive (E), as Polish writes a date; Django's abbreviations would
print a capitalised "Gru".
"""

DATE_FORMAT = "j E Y"
DATETIME_FORMAT = "j E Y, H:i"
SHORT_DATETIME_FORMAT = "j E, H:i"
TIME_FORMAT = "H:i"
