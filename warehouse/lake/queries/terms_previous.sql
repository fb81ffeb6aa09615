-- The batch's articles indexed already: their doc, current entry, site and day.
SELECT d.doc, d.entry, d.site, d.day
FROM term_docs_current AS d
WHERE d.doc IN (SELECT doc FROM batch_docs);
