-- The batch's articles that are indexed already: their doc number, site and day.
SELECT d.article_id, d.doc, d.site, d.day
FROM term_docs AS d JOIN batch_docs USING (article_id);
