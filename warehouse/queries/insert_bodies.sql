-- Bodies are stored once per sha256.
INSERT INTO bodies
SELECT DISTINCT ON (sha256) * FROM staged_bodies
WHERE sha256 NOT IN (SELECT sha256 FROM bodies);
