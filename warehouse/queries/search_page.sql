-- `newsvault search`: one page of the found articles, best first (ties: the newer first).
SELECT article_id, doc, site, score FROM search_found
ORDER BY score DESC, day DESC NULLS LAST, doc DESC
LIMIT $limit OFFSET $offset;
