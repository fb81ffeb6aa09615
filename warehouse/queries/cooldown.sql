-- The cooldown a site is in at $now (the latest one begun), if any.
SELECT until, reason, since
FROM site_cooldowns
WHERE site = $site AND until > $now
ORDER BY since DESC
LIMIT 1;
