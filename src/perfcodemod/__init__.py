"""perfcodemod: find Python performance antipatterns and rewrite them safely."""

__version__ = "0.1.0"
