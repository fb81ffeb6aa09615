-- `newsvault search`: the quoted phrases ($tests: `regexp_matches(text, pattern) AS t0,
-- ...` over `text`, title and body) tested in the text of the articles $ids, fetched
-- one by one through the index on article_id (migration 0013), a few thousand at most
-- per query.
SELECT article_id, $tests
FROM (SELECT article_id, coalesce(title, '') || chr(10) || coalesce(body, '') AS text
      FROM articles WHERE article_id IN ($ids));
