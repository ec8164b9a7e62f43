DROP TABLE checks;
DROP TABLE comments;
