-- `newsvault search`: the row ids of a page's articles ($ids; only article_id is read).
SELECT article_id, rowid FROM articles WHERE article_id IN ($ids);
