"""Kazakh dates and numbers, as Kazakh official and press texts write them: the day, the month
in lowercase ("31 желтоқсан 2019 ж."; ``E`` reads the lowercase names that
vendor_locale/kk overrides, Django's catalogue capitalises them), the 24-hour clock, a decimal
comma and a no-break space between thousands. Input as in Russian (dd.mm.yyyy); Django adds the
ISO formats itself."""

DATE_FORMAT = "j E Y ж."
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j E Y ж. H:i"
YEAR_MONTH_FORMAT = "F Y ж."
MONTH_DAY_FORMAT = "j E"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday

DATE_INPUT_FORMATS = [
    "%d.%m.%Y",  # 25.10.2006
    "%d.%m.%y",  # 25.10.06
]
TIME_INPUT_FORMATS = [
    "%H:%M:%S",  # 14:30:59
    "%H:%M",  # 14:30
]
DATETIME_INPUT_FORMATS = [
    "%d.%m.%Y %H:%M:%S",  # 25.10.2006 14:30:59
    "%d.%m.%Y %H:%M",  # 25.10.2006 14:30
    "%d.%m.%y %H:%M:%S",  # 25.10.06 14:30:59
    "%d.%m.%y %H:%M",  # 25.10.06 14:30
]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"  # no-break space
NUMBER_GROUPING = 3
