DROP TABLE search_index;
DROP TABLE customer_search;
