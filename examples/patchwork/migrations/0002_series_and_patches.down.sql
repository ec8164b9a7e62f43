DROP TABLE patches;
DROP TABLE series;
