-- `newsvault serve`, home page: the sites that have articles.
SELECT DISTINCT site FROM articles ORDER BY site;
