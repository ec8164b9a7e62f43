-- Back to a string: 1 and 0 become '1' and '0', not the 'True' and '' the application wrote.
ALTER TABLE instances MODIFY config_drive varchar(255) DEFAULT NULL;
