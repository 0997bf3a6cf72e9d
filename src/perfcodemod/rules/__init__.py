"""The rules, one per module, grouped by family (``membership``, ``generators``...).

A family package may declare ``OPTIONS``: the keys of its ``[tool.perfcodemod.<family>]`` table.
"""
