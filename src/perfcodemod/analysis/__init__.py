"""Analyses shared by several rules: whole-module facts, names and scopes, loops and
invariance, hashability, known-list inference."""
