-- `newsvault serve`, capture page: the articles (current or earlier states) read from it.
SELECT article_id, title, 'current' AS state FROM articles WHERE capture_id = $capture_id
UNION ALL
SELECT v.article_id, v.title, 'version of ' || CAST(v.replaced_at AS VARCHAR)
FROM article_versions AS v WHERE v.capture_id = $capture_id
ORDER BY 1, 3;
