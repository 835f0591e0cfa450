-- The committee's layout (issue 21): besides the baseline and the year's target, a KPI's
-- single-year increase target and its cumulative increase target to the year's end (the
-- programme's final year's cumulative one is the "final" target).
ALTER TABLE kpi_targets ADD COLUMN year_target INTEGER;
ALTER TABLE kpi_targets ADD COLUMN cumulative_target INTEGER;
