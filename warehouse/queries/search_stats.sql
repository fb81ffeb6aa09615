-- `newsvault search`: indexed articles and their mean length (BM25's N and avglen); rows
-- indexed before migration 0012 count their distinct terms until `newsvault terms`.
SELECT count(*), avg(coalesce(length, terms)) FROM term_docs;
