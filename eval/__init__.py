"""Measure Madoguchi: retrieval, handoff, answers and speed."""
