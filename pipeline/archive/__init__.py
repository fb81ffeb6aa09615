"""The archive: WARC capture, reading back, import and replay."""
