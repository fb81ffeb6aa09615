"""The term index: segmentation, term counts, SimHash fingerprints."""
