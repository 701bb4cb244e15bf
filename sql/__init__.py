"""Numbered migrations. A package only so that the wheel ships the .sql files beside the code."""
