DROP TABLE company_positions;
