DROP TABLE customer_search_instances;
UPDATE search_index SET version = -1, building = -1, last_id = 0;
