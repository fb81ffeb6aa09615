-- Has this list yielded items before (so an all-new page may mean a gap)?
SELECT count(*) > 0 FROM frontier WHERE site = $site AND list_name = $list_name;
