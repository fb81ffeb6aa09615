-- `newsvault search`: keep the found articles whose title and body (`text`) pass $keep:
-- every quoted phrase's pattern matches, no excluded phrase's does (looked for only in
-- the articles having all its terms: `mask`). The texts are read by row id
-- (search_rows.sql gave each found article its row).
DELETE FROM search_found
WHERE row NOT IN (
    SELECT row FROM (
        SELECT f.row, f.mask, coalesce(a.title, '') || chr(10) || coalesce(a.body, '') AS text
        FROM search_found AS f JOIN articles AS a ON a.rowid = f.row
    )
    WHERE $keep
);
