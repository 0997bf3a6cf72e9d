"""PCM3xx: linear lookups inside loops (the plan's track 3: dict and Counter indexes).

``next(x for x in xs if x.key == k)``, ``xs.index(v)`` and ``xs.count(v)`` scan ``xs`` each time
they run; in a loop that does not change ``xs``, an index built once before the loop answers
each lookup in constant time.
"""
