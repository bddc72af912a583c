DROP TABLE customer_json;
