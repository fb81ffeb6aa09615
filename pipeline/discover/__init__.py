"""Discovery: site lists and links, archives' URL indexes; the frontier."""
