"""The settings registry, loaded and validated once (knows the sites)."""
