DROP TABLE company_counts;
