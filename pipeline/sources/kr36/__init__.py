"""36Kr (36kr.com): lists, article ids, page readers."""
