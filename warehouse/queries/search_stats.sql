-- `newsvault search`: the indexed articles of the days searched ($first..$last, NULL:
-- open) and their mean length (BM25's N and avglen); rows indexed before migration 0012
-- count their distinct terms until `newsvault terms` fills their length.
SELECT count(*), avg(coalesce(length, terms)) FROM term_docs
WHERE ($first IS NULL OR day >= $first) AND ($last IS NULL OR day <= $last);
