-- `newsvault search`: the vocabulary ids of the query's terms ($terms).
SELECT term, term_id FROM term_ids WHERE term IN ($terms);
