-- Views of the warehouse, for the dashboard and for analysts who query it directly.
-- Documented in docs/data-model.md.

-- Provinces before 1 July 2025 with their region and the province they became part of.
CREATE OR REPLACE VIEW v_provinces AS
SELECT p.province_code, p.iso_3166_2, p.name_vi, p.name_en, p.name_ascii, p.province_type,
       p.region_key, r.label_vi AS region_vi, r.label_en AS region_en,
       p.province_2025_code, n.name_vi AS province_2025_name_vi, n.name_en AS province_2025_name_en,
       n.merged AS province_2025_merged, p.note
FROM provinces p
JOIN regions r USING (region_key)
JOIN provinces_2025 n USING (province_2025_code);

-- Province keys of the two eras. A value adopted since 1 July 2025 is keyed to one of the 34 provinces; where that
-- province was formed by a merger, its key is its code followed by '-2025' ('31-2025', the Hải Phòng of today),
-- so that it is never taken for the pre-merger province with the same code ('31', the former Hải Phòng). An
-- unmerged province (Thanh Hóa, '38') kept its territory and keeps its key. A former province whose name the
-- merged province took is labelled 'Hải Phòng (cũ)' / 'Hải Phòng (former)'.
CREATE OR REPLACE VIEW v_province_keys AS
SELECT '63' AS province_era, p.province_code AS province_code_curated, p.province_code,
       CASE WHEN p.province_2025_merged AND p.name_vi IN (SELECT name_vi FROM provinces_2025)
            THEN p.name_vi || ' (cũ)' ELSE p.name_vi END AS province_name_vi,
       CASE WHEN p.province_2025_merged AND p.name_vi IN (SELECT name_vi FROM provinces_2025)
            THEN p.name_en || ' (former)' ELSE p.name_en END AS province_name_en,
       p.iso_3166_2, p.region_key, p.province_2025_code, p.province_2025_name_vi, p.province_2025_name_en
FROM v_provinces p
UNION ALL
SELECT '34', n.province_2025_code,
       CASE WHEN n.merged THEN n.province_2025_code || '-2025' ELSE n.province_2025_code END,
       n.name_vi, n.name_en, same.iso_3166_2, same.region_key, n.province_2025_code, n.name_vi, n.name_en
FROM provinces_2025 n
LEFT JOIN provinces same ON same.province_code = n.province_2025_code  -- the unit whose code it kept: its region
UNION ALL
SELECT 'national', 'VN', 'VN', 'Cả nước', 'Vietnam (national)', NULL, NULL, NULL, NULL, NULL;

-- Where each value was read: its document's own text (tier primary_text; the verbatim clause, verified when the
-- text is held) or a listed source (official_report, press) with a locator in our own words.
CREATE OR REPLACE VIEW v_value_sources AS
SELECT t.target_id,
       coalesce(s.tier, 'primary_text') AS source_tier,
       t.source_id,
       CASE WHEN t.source_id IS NULL THEN d.issuer_vi ELSE s.publisher END AS source_publisher,
       CASE WHEN t.source_id IS NULL THEN d.title_vi ELSE s.title END AS source_title,
       s.url AS source_url,
       -- a page without a date stays without one: never the document's date in its place
       CASE WHEN t.source_id IS NULL THEN d.issue_date ELSE s.date_published END AS source_date,
       t.locator
FROM targets t
JOIN documents d USING (document_id)
LEFT JOIN sources s ON s.source_id = t.source_id;

-- Every target, baseline and project scale with its labels, one row per value.
-- National benchmarks carry province_code 'VN'.
CREATE OR REPLACE VIEW v_targets AS
SELECT t.target_id,
       d.scope,
       k.province_code,
       coalesce(d.province_era, 'national') AS province_era,
       k.province_name_vi,
       k.province_name_en,
       k.iso_3166_2,
       k.region_key,
       k.province_2025_code,
       k.province_2025_name_vi,
       k.province_2025_name_en,
       t.sector_key AS sector,
       s.label_vi AS sector_label_vi,
       s.label_en AS sector_label_en,
       t.indicator_key AS indicator,
       i.label_vi AS indicator_label_vi,
       i.label_en AS indicator_label_en,
       i.measure,
       i.higher_is_better,
       t.kind,
       t.value_low,
       t.value_high,
       (t.value_low + t.value_high) / 2 AS value_mid,
       t.unit_key AS unit,
       u.symbol_vi AS unit_symbol_vi,
       u.symbol_en AS unit_symbol_en,
       t.comparator,
       t.approximate,
       t.period_start,
       t.period_end,
       t.target_year,
       t.year_basis,
       t.section,
       t.citation,
       t.citation_verified,
       t.note,
       t.document_id,
       d.document_number,
       d.document_type_key,
       d.document_type_vi,
       d.title_vi AS document_title_vi,
       d.title_en AS document_title_en,
       d.issue_date AS document_issue_date,
       d.implements AS document_implements,
       v.source_tier,
       v.source_id,
       v.source_publisher,
       v.source_title,
       v.source_url,
       v.source_date,
       v.locator,
       t.source_row
FROM targets t
JOIN documents d USING (document_id)
JOIN sectors s USING (sector_key)
JOIN indicators i USING (indicator_key)
JOIN units u ON u.unit_key = t.unit_key
JOIN v_value_sources v USING (target_id)
LEFT JOIN v_province_keys k
       ON k.province_era = coalesce(d.province_era, 'national') AND k.province_code_curated = t.province_code;

-- Achieved values as published, every vintage kept. `is_latest` marks the one in use for each (province,
-- indicator, period): the latest publication, a later vintage first on the same day; `previous_value` is what the
-- release before it said, so a revision is visible.
CREATE OR REPLACE VIEW v_achieved AS
WITH ranked AS (
    SELECT a.*, s.tier AS source_tier, s.publisher AS source_publisher, s.title AS source_title,
           s.url AS source_url, s.date_published AS source_date,
           CASE a.vintage WHEN 'estimate' THEN 1 WHEN 'preliminary' THEN 2 WHEN 'official' THEN 3 ELSE 4 END
               AS vintage_rank
    FROM achieved a JOIN sources s USING (source_id)
), ordered AS (
    SELECT *,
           row_number() OVER w_desc AS newest_first,
           lag(value) OVER w_asc AS previous_value,
           lag(vintage) OVER w_asc AS previous_vintage,
           count(*) OVER (PARTITION BY province_era, province_code, indicator_key, period_start, period_end, year)
               AS n_vintages
    FROM ranked
    WINDOW w_desc AS (PARTITION BY province_era, province_code, indicator_key, period_start, period_end, year
                      ORDER BY source_date DESC, vintage_rank DESC, achieved_id DESC),
           w_asc AS (PARTITION BY province_era, province_code, indicator_key, period_start, period_end, year
                     ORDER BY source_date, vintage_rank, achieved_id)
)
SELECT o.achieved_id,
       o.province_era,
       k.province_code,
       k.province_name_vi,
       k.province_name_en,
       k.province_2025_code,
       o.indicator_key AS indicator,
       i.label_vi AS indicator_label_vi,
       i.label_en AS indicator_label_en,
       i.sector_key AS sector,
       i.measure,
       i.higher_is_better,
       o.unit_key AS unit,
       u.symbol_vi AS unit_symbol_vi,
       u.symbol_en AS unit_symbol_en,
       o.comparator,
       o.value,
       o.period_start,
       o.period_end,
       o.year,
       o.vintage,
       o.newest_first = 1 AS is_latest,
       o.previous_value,
       o.previous_vintage,
       o.n_vintages,
       o.source_id,
       o.source_tier,
       o.source_publisher,
       o.source_title,
       o.source_url,
       o.source_date,
       o.locator,
       o.note,
       o.source_row
FROM ordered o
JOIN indicators i ON i.indicator_key = o.indicator_key
JOIN units u ON u.unit_key = o.unit_key
LEFT JOIN v_province_keys k ON k.province_era = o.province_era AND k.province_code_curated = o.province_code;

-- One row per plan with its target counts.
CREATE OR REPLACE VIEW v_documents AS
SELECT d.* REPLACE (coalesce(d.province_era, 'national') AS province_era),
       k.province_code AS province_key,
       k.province_name_vi, k.province_name_en,
       k.province_2025_code, k.province_2025_name_vi, k.province_2025_name_en,
       n.document_number AS implements_number,
       (SELECT count(*) FROM targets t WHERE t.document_id = d.document_id) AS n_values,
       (SELECT count(*) FROM targets t WHERE t.document_id = d.document_id AND t.kind = 'target') AS n_targets,
       (SELECT count(*) FROM targets t WHERE t.document_id = d.document_id AND t.kind = 'baseline') AS n_baselines
FROM documents d
LEFT JOIN v_province_keys k
       ON k.province_era = coalesce(d.province_era, 'national') AND k.province_code_curated = d.province_code
LEFT JOIN documents n ON n.document_id = d.implements;

-- Tasks: one row per task × agency × role ('lead' = đơn vị chủ trì, 'partner' = đơn vị phối hợp), in the order
-- the task names them, with the agency's labels and type. A task may have several lead agencies.
CREATE OR REPLACE VIEW v_task_agencies AS
WITH roles AS (
    SELECT t.task_id, 'lead' AS role, u.position, trim(u.agency_key) AS agency_key
    FROM tasks t
    CROSS JOIN LATERAL unnest(string_split(t.lead_agency_keys, ';')) WITH ORDINALITY AS u(agency_key, position)
    WHERE t.lead_agency_keys IS NOT NULL
    UNION ALL
    SELECT t.task_id, 'partner' AS role, u.position, trim(u.agency_key) AS agency_key
    FROM tasks t
    CROSS JOIN LATERAL unnest(string_split(t.partner_agency_keys, ';')) WITH ORDINALITY AS u(agency_key, position)
    WHERE t.partner_agency_keys IS NOT NULL
)
SELECT r.task_id,
       t.document_id,
       t.province_code,
       t.sector_key AS sector,
       r.role,
       CAST(r.position AS INTEGER) AS position,
       r.agency_key,
       a.label_vi AS agency_label_vi,
       a.label_en AS agency_label_en,
       a.agency_type,
       t.is_reporting,
       t.timing_kind
FROM roles r
JOIN tasks t USING (task_id)
JOIN agencies a ON a.agency_key = r.agency_key
WHERE r.agency_key <> '';

-- Every task with its plan, province, sector and agencies (labels joined with '; ' in the task's order).
CREATE OR REPLACE VIEW v_tasks AS
WITH lead AS (
    SELECT task_id,
           string_agg(agency_label_vi, '; ' ORDER BY position) AS lead_agency_labels_vi,
           string_agg(agency_label_en, '; ' ORDER BY position) AS lead_agency_labels_en,
           string_agg(DISTINCT agency_type, ';' ORDER BY agency_type) AS lead_agency_types,
           count(*) AS n_lead_agencies
    FROM v_task_agencies WHERE role = 'lead' GROUP BY task_id
), partner AS (
    SELECT task_id,
           string_agg(agency_label_vi, '; ' ORDER BY position) AS partner_agency_labels_vi,
           string_agg(agency_label_en, '; ' ORDER BY position) AS partner_agency_labels_en,
           count(*) AS n_partner_agencies
    FROM v_task_agencies WHERE role = 'partner' GROUP BY task_id
)
SELECT t.task_id,
       t.document_id,
       d.document_number,
       d.document_type_vi,
       d.title_vi AS document_title_vi,
       d.title_en AS document_title_en,
       d.issue_date AS document_issue_date,
       t.province_code,
       p.name_vi AS province_name_vi,
       p.name_en AS province_name_en,
       p.province_2025_code,
       p.province_2025_name_vi,
       p.province_2025_name_en,
       t.sector_key AS sector,
       s.label_vi AS sector_label_vi,
       s.label_en AS sector_label_en,
       s.sort_order AS sector_sort_order,
       t.title_vi,
       t.title_en,
       t.lead_agency_text,
       t.lead_agency_keys,
       l.lead_agency_labels_vi,
       l.lead_agency_labels_en,
       l.lead_agency_types,
       coalesce(l.n_lead_agencies, 0) AS n_lead_agencies,
       t.partner_agency_text,
       t.partner_agency_keys,
       pa.partner_agency_labels_vi,
       pa.partner_agency_labels_en,
       coalesce(pa.n_partner_agencies, 0) AS n_partner_agencies,
       t.timing_text,
       t.timing_kind,
       t.timing_value,
       t.is_reporting,
       (t.is_reporting OR t.timing_kind = 'annual_date') AS is_deadline,
       t.section,
       t.citation,
       t.citation_verified,
       t.note,
       t.source_row
FROM tasks t
JOIN documents d USING (document_id)
JOIN sectors s USING (sector_key)
LEFT JOIN v_provinces p ON p.province_code = t.province_code
LEFT JOIN lead l USING (task_id)
LEFT JOIN partner pa USING (task_id);
