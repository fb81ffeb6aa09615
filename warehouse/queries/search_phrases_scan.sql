-- `newsvault search`: search_phrases.sql for many articles, or without the index on
-- article_id: one scan of the articles, keeping those of the registered `search_wanted_ids`.
SELECT article_id, $tests
FROM (SELECT article_id, coalesce(title, '') || chr(10) || coalesce(body, '') AS text
      FROM articles WHERE article_id IN (SELECT article_id FROM search_wanted_ids));
