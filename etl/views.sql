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
