"""Conference talks and speakers: the catalog's queries, /talks and /speakers, their views."""
