"""The runs that tie the stages together: crawl, reextract, import, backfill."""
