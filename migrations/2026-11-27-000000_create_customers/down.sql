DROP TABLE customer_emails;
DROP TABLE customers;
DROP TABLE companies;
