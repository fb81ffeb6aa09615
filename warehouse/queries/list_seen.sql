-- Has this list shown items before (so an all-new page may mean a gap)?
SELECT count(*) > 0 FROM list_items WHERE site = $site AND list_name = $list_name;
