-- Remove the term rows of articles being re-indexed ($ids). $lo..$hi are the days they
-- were indexed under (NULL when some had none): the bound lets zone maps skip the row
-- groups of other days instead of reading the whole table.
DELETE FROM terms
WHERE article_id IN (SELECT unnest($ids::VARCHAR[]))
  AND ($lo IS NULL OR day BETWEEN $lo AND $hi);
