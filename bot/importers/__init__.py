"""Schedule importers: each format becomes the same records, applied by one writer."""
