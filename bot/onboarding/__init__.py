"""Newcomers: the welcome DM, the journey of tips, the checklist, buddies and the App Home."""
