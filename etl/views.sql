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

-- Every target, baseline and project scale with its labels, one row per value.
-- National benchmarks carry province_code 'VN'.
CREATE OR REPLACE VIEW v_targets AS
SELECT t.target_id,
       d.scope,
       t.province_code,
       CASE WHEN t.province_code = 'VN' THEN 'Cả nước' ELSE p.name_vi END AS province_name_vi,
       CASE WHEN t.province_code = 'VN' THEN 'Vietnam (national)' ELSE p.name_en END AS province_name_en,
       p.iso_3166_2,
       p.region_key,
       p.province_2025_code,
       p.province_2025_name_vi,
       p.province_2025_name_en,
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
       d.document_type_vi,
       d.title_vi AS document_title_vi,
       d.title_en AS document_title_en,
       d.issue_date AS document_issue_date,
       d.implements AS document_implements,
       t.source_row
FROM targets t
JOIN documents d USING (document_id)
JOIN sectors s USING (sector_key)
JOIN indicators i USING (indicator_key)
JOIN units u ON u.unit_key = t.unit_key
LEFT JOIN v_provinces p ON p.province_code = t.province_code;

-- One row per plan with its target counts.
CREATE OR REPLACE VIEW v_documents AS
SELECT d.*,
       CASE WHEN d.province_code = 'VN' THEN 'Cả nước' ELSE p.name_vi END AS province_name_vi,
       CASE WHEN d.province_code = 'VN' THEN 'Vietnam (national)' ELSE p.name_en END AS province_name_en,
       p.province_2025_code, p.province_2025_name_vi, p.province_2025_name_en,
       n.document_number AS implements_number,
       (SELECT count(*) FROM targets t WHERE t.document_id = d.document_id) AS n_values,
       (SELECT count(*) FROM targets t WHERE t.document_id = d.document_id AND t.kind = 'target') AS n_targets,
       (SELECT count(*) FROM targets t WHERE t.document_id = d.document_id AND t.kind = 'baseline') AS n_baselines
FROM documents d
LEFT JOIN v_provinces p ON p.province_code = d.province_code
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
