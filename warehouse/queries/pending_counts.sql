SELECT site, count(*) AS pending FROM frontier WHERE state = 'pending' GROUP BY site;
