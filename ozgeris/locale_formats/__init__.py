"""The project's Django format modules (``FORMAT_MODULE_PATH``): Kazakh, which Django lacks.

Without one Kazakh fell back to the English defaults: "16.00 %", admin dates as
"Қыр. 21, 2019, 10:27 Т.Ж." (12-hour clock). Russian keeps Django's own module (decimal comma,
"31 декабря 2019 г.", 24-hour clock); tests/test_formats_kk.py checks both.
"""
