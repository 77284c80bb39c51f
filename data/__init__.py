"""The catalog and onboarding content that ship with the bot (edit the YAML, not this file).

A package only so that an installed bot finds these files with importlib.resources.
"""
