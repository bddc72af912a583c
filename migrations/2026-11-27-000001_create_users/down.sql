DROP TABLE app_passwords;
DROP TABLE users;
