"""PCM1xx: single-use materialisation (the plan's track 2: generator migration).

A list built only to be looked at once, by something that could have taken the items one at a
time. Not every such list is worth removing: on CPython a generator costs more per item than a
list comprehension, so the default rules report only what wins (early exit, a copy avoided, a
list never held), and the memory-for-time trade (PCM104) is opt-in. The figures in each rule's
documentation come from ``benchmarks/rules/generators.py``.
"""
