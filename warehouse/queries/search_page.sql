-- `newsvault search`: one page of the found articles, best first (ties: the newer first).
SELECT doc, site, score FROM search_found
ORDER BY score DESC, day DESC NULLS LAST, doc DESC
LIMIT $limit OFFSET $offset;
