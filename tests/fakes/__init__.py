"""Fakes for the outside tools, for fast tests of the code that uses them."""
