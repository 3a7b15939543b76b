-- Superseding a pull request's older jobs looks only at its active ones;
-- without this index it scanned every job the pull request ever had.
CREATE INDEX jobs_active_key ON jobs (key, kind, id) WHERE state IN ('queued', 'running');
