-- `newsvault search`: the article rows of one term ($term_id) within the days $first..$last
-- (NULL: open), read into numpy (pipeline/store/searchrank.py) one term at a time:
-- `term_id BETWEEN x AND x` lets the scan skip every row group (term_rows is sorted by
-- term_id within each month) whose range misses it, which `term_id IN (...)` does not.
SELECT doc, count, in_title
FROM term_rows
WHERE term_id BETWEEN $term_id AND $term_id
  AND ($first IS NULL OR day >= $first) AND ($last IS NULL OR day <= $last)
