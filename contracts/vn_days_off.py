"""Vietnam's national days off and official make-up working days, for legal time limits.

Legal time limits for dossiers count working days, Monday to Friday, minus the public holidays
of the Labour Code 2019, art. 112 (Tết Dương lịch 1 day; Tết Âm lịch 5 days; Giỗ Tổ Hùng Vương
10/3 lunar; 30/4; 1/5; Quốc khánh 2/9 and one day next to it), a holiday that falls on a weekend
being made up on the next working day (art. 112.3), plus the swaps the Government announces each
year for civil servants (a weekday off, worked back on a Saturday). A hall's opening hours play
no part: a hall open on Saturday mornings does not make Saturday a working day for deadlines.

Each year lists every weekday off and every make-up Saturday, with the notice it comes from.
A year not listed has no national days here: the hall file's `[calendar]` adds them
(`days_off`, `make_up_days`) until a Layso release carries them.
"""

from __future__ import annotations

from datetime import date

# -- 2025 --------------------------------------------------------------------------------------
# Notice 5984/TB-BLĐTBXH (1/11/2024) for civil servants: Tết Âm lịch Sat 25/1 – Sun 2/2;
# 30/4–1/5 with Fri 2/5 swapped for Sat 26/4; Quốc khánh Sat 30/8 – Tue 2/9 (1/9 next to 2/9).
_2025_OFF = [
    date(2025, 1, 1),  # Tết Dương lịch (Wed)
    *(date(2025, 1, d) for d in range(27, 32)),  # Tết Ất Tỵ, Mon 27/1 – Fri 31/1
    date(2025, 4, 7),  # Giỗ Tổ Hùng Vương, 10/3 Ất Tỵ (Mon)
    date(2025, 4, 30), date(2025, 5, 1),  # Giải phóng miền Nam; Quốc tế Lao động
    date(2025, 5, 2),  # swapped: worked on Sat 26/4
    date(2025, 9, 1), date(2025, 9, 2),  # Quốc khánh and the day next to it
]
_2025_MAKE_UP = [date(2025, 4, 26)]

# -- 2026 --------------------------------------------------------------------------------------
# Letter 12729/VPCP-KGVX and the Ministry of Home Affairs' notice on the 2026 days off for civil
# servants: Tết Dương lịch Thu 1/1 – Sun 4/1 with Fri 2/1 swapped for Sat 10/1; Tết Âm lịch
# Sat 14/2 – Sun 22/2 (9 days); Giỗ Tổ Hùng Vương 10/3 Bính Ngọ is Sun 26/4, made up on Mon 27/4
# (art. 112.3); 30/4–1/5 Thu–Fri; Quốc khánh Sat 29/8 – Wed 2/9 with Mon 31/8 swapped for
# Sat 22/8 (2/9 and the day before it, 1/9).
_2026_OFF = [
    date(2026, 1, 1),  # Tết Dương lịch (Thu)
    date(2026, 1, 2),  # swapped: worked on Sat 10/1
    *(date(2026, 2, d) for d in range(16, 21)),  # Tết Bính Ngọ, Mon 16/2 – Fri 20/2
    date(2026, 4, 27),  # Giỗ Tổ Hùng Vương falls on Sun 26/4: made up on Mon 27/4
    date(2026, 4, 30), date(2026, 5, 1),  # Giải phóng miền Nam; Quốc tế Lao động
    date(2026, 8, 31),  # swapped: worked on Sat 22/8
    date(2026, 9, 1), date(2026, 9, 2),  # the day next to Quốc khánh, and Quốc khánh
]
_2026_MAKE_UP = [date(2026, 1, 10), date(2026, 8, 22)]

NATIONAL_DAYS_OFF: frozenset[date] = frozenset(_2025_OFF + _2026_OFF)
NATIONAL_MAKE_UP_DAYS: frozenset[date] = frozenset(_2025_MAKE_UP + _2026_MAKE_UP)
YEARS_CARRIED: tuple[int, ...] = (2025, 2026)
