DROP TABLE customer_name_instances;
DROP TABLE customer_name_search;
DROP TABLE customer_names;
