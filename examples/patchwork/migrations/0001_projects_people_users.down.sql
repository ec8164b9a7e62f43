DROP TABLE states;
DROP TABLE people;
DROP TABLE projects;
DROP TABLE users;
